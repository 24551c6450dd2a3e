"""Message ids: UUIDv7 (RFC 9562), time-ordered so stores index them cheaply."""

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def new_id(now_ms: int | None = None) -> str:
    """Return a new UUIDv7 string, monotonic within this process.

    Python 3.11 has no `uuid.uuid7`; the layout is 48-bit Unix ms, version 7, a 12-bit counter
    (method 1 of RFC 9562 §6.2, so ids made in the same millisecond still sort), the variant and
    62 random bits.
    """
    global _last_ms, _counter
    with _lock:
        ms = int(time.time() * 1000) if now_ms is None else now_ms
        if ms <= _last_ms:
            ms = _last_ms
            _counter += 1
            if _counter > 0xFFF:  # counter exhausted: borrow the next millisecond
                ms += 1
                _counter = 0
        else:
            _counter = int.from_bytes(os.urandom(2), "big") & 0x3FF  # leave room to count up
        _last_ms = ms
        counter = _counter
    rand = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= counter << 64
    value |= 0b10 << 62
    value |= rand
    return str(uuid.UUID(int=value))
