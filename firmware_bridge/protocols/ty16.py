"""TY16 blocks (modelled on the 名孚 TY16): a pure incremental decoder and the encoders.

Host requests: ``1B BF`` handshake (2-byte reply ``BF 06``), ``1B B1`` read the newest record,
``24`` read the one before it (``BF 04`` when there is none). A record is a fixed 75-byte block:
marker ``B1``, sequence, timestamp (bytes 2–8), an 8-channel bitmask (byte 9), eight 8-byte
slots from byte 10 holding a float32 inhibition %, and an 8-bit sum in byte 74
(docs/instruments/ty16.md). The real checksum byte is not documented; the modelled sum makes any
single flipped byte detectable.
"""

import struct
from dataclasses import dataclass
from datetime import datetime

from firmware_bridge.protocols.base import Decoded, GarbageRun, Rejection
from firmware_bridge.protocols.checksum import sum8

BLOCK_SIZE = 75
MARKER = 0xB1
REPLY = 0xBF
ACK = 0x06
END = 0x04
REQ_HANDSHAKE = b"\x1b\xbf"
REQ_LATEST = b"\x1b\xb1"
REQ_NEXT = b"\x24"
CHANNELS = 8
SLOT_OFFSET = 10
SLOT_SIZE = 8
_SLOT = struct.Struct("<fHBB")
_NO_MARKER = "no block marker (B1) or reply (BF 06 / BF 04)"


@dataclass(frozen=True, slots=True)
class Ty16Channel:
    """One channel with a result (its bit set in the mask); value None when the float is NaN."""

    channel: int  # 1..8
    value: float | None
    sample_no: int
    status: int


@dataclass(frozen=True, slots=True)
class Ty16Block:
    """One 75-byte record block."""

    seq: int
    tested_at: datetime  # instrument-local, naive
    channels: tuple[Ty16Channel, ...]


@dataclass(frozen=True, slots=True)
class Ty16Reply:
    """A 2-byte reply: ``BF 06`` acknowledges the handshake, ``BF 04`` says no more records."""

    code: int


Ty16Message = Ty16Block | Ty16Reply


def encode_block(block: Ty16Block) -> bytes:
    """The 75 bytes of a block (channels not listed have their bit clear and a zero slot)."""
    t = block.tested_at
    head = struct.pack(
        "<BBHBBBBB", MARKER, block.seq, t.year, t.month, t.day, t.hour, t.minute, t.second
    )
    mask = 0
    slots = bytearray(SLOT_SIZE * CHANNELS)
    for ch in block.channels:
        if not 1 <= ch.channel <= CHANNELS:
            raise ValueError(f"TY16 channel {ch.channel} is not 1..8")
        mask |= 1 << (ch.channel - 1)
        value = float("nan") if ch.value is None else ch.value
        _SLOT.pack_into(slots, SLOT_SIZE * (ch.channel - 1), value, ch.sample_no, ch.status, 0)
    body = head + bytes([mask]) + bytes(slots)
    return body + bytes([sum8(body)])


def parse_block(raw: bytes) -> Ty16Block:
    """A checksummed 75-byte block; raises ValueError on an impossible timestamp."""
    seq = raw[1]
    year, month, day, hour, minute, second = struct.unpack_from("<HBBBBB", raw, 2)
    tested_at = datetime(year, month, day, hour, minute, second)
    mask = raw[9]
    channels = []
    for i in range(CHANNELS):
        if mask & (1 << i):
            value, sample_no, status, _ = _SLOT.unpack_from(raw, SLOT_OFFSET + SLOT_SIZE * i)
            clean = None if value != value else float(value)  # NaN: no value
            channels.append(Ty16Channel(i + 1, clean, sample_no, status))
    return Ty16Block(seq, tested_at, tuple(channels))


def _first_marker(buf: bytearray) -> int:
    hits = [i for i in (buf.find(MARKER), buf.find(REPLY)) if i >= 0]
    return min(hits) if hits else -1


class Ty16Decoder:
    """Incremental TY16 decoder: resynchronises on the marker byte after any bad byte."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._base = 0
        self._garbage = GarbageRun()

    def feed(self, data: bytes) -> list[Decoded[Ty16Message] | Rejection]:
        """Consume bytes; return decided blocks and rejections in stream order."""
        self._buf += data
        return self._drain(final=False)

    def flush(self) -> list[Decoded[Ty16Message] | Rejection]:
        """End of stream: an incomplete block becomes a rejection."""
        out = self._drain(final=True)
        out.extend(self._garbage.close())
        return out

    def _skip(
        self,
        n: int,
        reason: str,
        out: list[Decoded[Ty16Message] | Rejection],
        *,
        noise: bool = False,
    ) -> None:
        out.extend(self._garbage.add(self._base, self._buf[:n], reason, noise=noise))
        del self._buf[:n]
        self._base += n

    def _emit(
        self, n: int, value: Ty16Message, out: list[Decoded[Ty16Message] | Rejection]
    ) -> None:
        out.extend(self._garbage.close())
        out.append(Decoded(self._base, bytes(self._buf[:n]), value))
        del self._buf[:n]
        self._base += n

    def _drain(self, *, final: bool) -> list[Decoded[Ty16Message] | Rejection]:
        out: list[Decoded[Ty16Message] | Rejection] = []
        while self._buf and self._sync(out):
            done = self._reply(final, out) if self._buf[0] == REPLY else self._block(final, out)
            if not done:
                break
        return out

    def _sync(self, out: list[Decoded[Ty16Message] | Rejection]) -> bool:
        """Drop bytes before the next marker; False when there is none."""
        start = _first_marker(self._buf)
        if start < 0:
            self._skip(len(self._buf), _NO_MARKER, out, noise=True)
            return False
        if start:
            self._skip(start, _NO_MARKER, out, noise=True)
        return True

    def _reply(self, final: bool, out: list[Decoded[Ty16Message] | Rejection]) -> bool:
        """Decide a BF reply; False when it needs more bytes."""
        buf = self._buf
        if len(buf) < 2:
            if final:
                self._skip(1, "stream ended inside a reply", out)
            return False
        if buf[1] in (ACK, END):
            self._emit(2, Ty16Reply(buf[1]), out)
        else:
            self._skip(1, "BF not followed by 06 or 04", out)
        return True

    def _block(self, final: bool, out: list[Decoded[Ty16Message] | Rejection]) -> bool:
        """Decide a data block; False when it needs more bytes."""
        buf = self._buf
        if len(buf) < BLOCK_SIZE:
            if final:
                self._skip(1, f"stream ended inside a {BLOCK_SIZE} B block", out)
            return final
        if sum8(memoryview(buf)[: BLOCK_SIZE - 1]) != buf[BLOCK_SIZE - 1]:
            self._skip(1, "block checksum (sum8) mismatch", out)
            return True
        try:
            block = parse_block(bytes(buf[:BLOCK_SIZE]))
        except ValueError as err:
            self._skip(1, f"block with a bad timestamp: {err}", out)
            return True
        self._emit(BLOCK_SIZE, block, out)
        return True
