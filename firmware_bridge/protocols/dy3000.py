"""DY-3000 framing (modelled on the 达元 DY-3000): a pure incremental decoder and the encoders.

Frame: ``03 FF | cmd | len u16 LE | hck | payload[len] | crc16 LE`` where ``hck`` is the
one's complement of the 8-bit sum of cmd and len, and the CRC-16/CCITT-FALSE covers cmd .. payload
(docs/instruments/dy3000.md). The real instrument's length and checksum bytes are not documented;
this framing adds them so that a flipped byte is always rejected, never turned into a result.
"""

import struct

from firmware_bridge.protocols.base import Decoded, GarbageRun, Rejection
from firmware_bridge.protocols.checksum import crc16_ccitt
from firmware_bridge.protocols.dy3000_messages import (
    ACT_ITEMS,
    ACT_RANGE,
    CMD_ERROR,
    CMD_LINK,
    INHIBITION_INVALID,
    INHIBITION_NA,
    ITEM_SIZE,
    MAX_CHANNELS,
    RECORD_HEAD,
    SLOT_SIZE,
    TC_NOT_REPORTED,
    Channel,
    ChannelState,
    ErrorReply,
    Family,
    Item,
    ItemTable,
    LinkReply,
    Message,
    Method,
    PayloadError,
    Record,
    RecordRange,
    Request,
    parse_text,
    split_command,
    unpack_fat,
)

HEADER = b"\x03\xff"
HEAD_SIZE = 6  # 03 FF cmd lenL lenH hck
OVERHEAD = HEAD_SIZE + 2
MAX_PAYLOAD = 1024
_GOLD_STATE = {1: ChannelState.OK, 2: ChannelState.OK, 3: ChannelState.NA}


def header_check(cmd: int, length: int) -> int:
    """The header check byte: ~(cmd + lenL + lenH) & 0xFF."""
    return ~(cmd + (length & 0xFF) + (length >> 8)) & 0xFF


def encode_frame(cmd: int, payload: bytes = b"") -> bytes:
    """One complete frame around `payload`."""
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} B exceeds {MAX_PAYLOAD} B")
    body = struct.pack("<BHB", cmd, len(payload), header_check(cmd, len(payload))) + payload
    return HEADER + body + struct.pack("<H", crc16_ccitt(body))


def parse_slot(raw: bytes, method: Method) -> Channel:
    """One 8-byte channel slot."""
    ch, status = raw[0], raw[1]
    (sample_no,) = struct.unpack_from("<H", raw, 6)
    if method is Method.GOLD:
        code, _, tc = struct.unpack_from("<BBH", raw, 2)
        if code not in _GOLD_STATE:
            raise PayloadError(f"channel {ch}: gold result code {code} is not 1, 2 or 3")
        ratio = None if tc == TC_NOT_REPORTED else tc / 1000
        return Channel(ch, status, _GOLD_STATE[code], None, sample_no, code, ratio)
    if method is Method.QUANTITATIVE:
        (value,) = struct.unpack_from("<f", raw, 2)
        if value != value:  # NaN: the instrument had no value
            return Channel(ch, status, ChannelState.INVALID, None, sample_no)
        return Channel(ch, status, ChannelState.OK, float(value), sample_no)
    (word,) = struct.unpack_from("<H", raw, 2)
    if word == INHIBITION_INVALID:
        return Channel(ch, status, ChannelState.INVALID, None, sample_no)
    if word == INHIBITION_NA:
        return Channel(ch, status, ChannelState.NA, None, sample_no)
    signed = word - 0x10000 if word & 0x8000 else word
    return Channel(ch, status, ChannelState.OK, signed / (1000 if ch == 0 else 100), sample_no)


def parse_record(family: Family, payload: bytes) -> Record:
    """A record payload; raises PayloadError naming what is wrong."""
    if len(payload) < RECORD_HEAD:
        raise PayloadError(f"record of {len(payload)} B is shorter than its {RECORD_HEAD} B head")
    record_no, item_id, method_byte, fat = struct.unpack_from("<HBBI", payload)
    try:
        method = Method(method_byte)
    except ValueError:
        raise PayloadError(f"record {record_no}: unknown method {method_byte}") from None
    n = payload[24]
    if not 1 <= n <= MAX_CHANNELS or len(payload) != RECORD_HEAD + SLOT_SIZE * n:
        raise PayloadError(f"record {record_no}: {n} channels do not fit {len(payload)} B")
    slots = [
        payload[RECORD_HEAD + SLOT_SIZE * i : RECORD_HEAD + SLOT_SIZE * (i + 1)] for i in range(n)
    ]
    channels = tuple(parse_slot(s, method) for s in slots)
    numbers = [c.channel for c in channels]
    if len(set(numbers)) != n or max(numbers) >= MAX_CHANNELS:
        raise PayloadError(f"record {record_no}: bad channel numbers {numbers}")
    return Record(
        family, record_no, item_id, method, unpack_fat(fat), parse_text(payload[8:24]), channels
    )


def parse_items(family: Family, payload: bytes) -> ItemTable:
    """An item-table payload."""
    count = payload[0]
    if len(payload) != 1 + ITEM_SIZE * count:
        raise PayloadError(f"item table of {count} items does not fit {len(payload)} B")
    items = []
    for i in range(count):
        raw = payload[1 + ITEM_SIZE * i : 1 + ITEM_SIZE * (i + 1)]
        try:
            method = Method(raw[1])
        except ValueError:
            raise PayloadError(f"item {raw[0]}: unknown method {raw[1]}") from None
        items.append(Item(raw[0], method, parse_text(raw[2:18]), parse_text(raw[18:26])))
    return ItemTable(family, tuple(items))


def interpret(cmd: int, payload: bytes) -> Message:
    """The typed message of a frame; requests and responses are told apart by length."""
    n = len(payload)
    if cmd == CMD_LINK:
        return Request(cmd) if n == 0 else LinkReply(parse_text(payload))
    if cmd == CMD_ERROR:
        if n != 2:
            raise PayloadError(f"error reply of {n} B (expected 2)")
        return ErrorReply(payload[0], payload[1])
    parts = split_command(cmd)
    if parts is None:
        raise PayloadError(f"unknown command 0x{cmd:02x}")
    family, action = parts
    if action == ACT_ITEMS:
        return Request(cmd) if n == 0 else parse_items(family, payload)
    if action == ACT_RANGE:
        if n == 8:
            start, end = struct.unpack("<II", payload)
            unpack_fat(start), unpack_fat(end)  # validate
            return Request(cmd, (start, end))
        if n == 4:
            return RecordRange(family, *struct.unpack("<HH", payload))
        raise PayloadError(f"range message of {n} B (expected 8 or 4)")
    if n == 2:
        return Request(cmd, struct.unpack("<H", payload))
    return parse_record(family, payload)


class Dy3000Decoder:
    """Incremental DY-3000 decoder: resynchronises on the header after any bad byte."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._base = 0  # stream offset of _buf[0]
        self._garbage = GarbageRun()

    def feed(self, data: bytes) -> list[Decoded[Message] | Rejection]:
        """Consume bytes; return decided frames and rejections in stream order."""
        self._buf += data
        return self._drain(final=False)

    def flush(self) -> list[Decoded[Message] | Rejection]:
        """End of stream: incomplete frames become rejections."""
        out = self._drain(final=True)
        out.extend(self._garbage.close())
        return out

    def _skip(
        self, n: int, reason: str, out: list[Decoded[Message] | Rejection], *, noise: bool = False
    ) -> None:
        out.extend(self._garbage.add(self._base, self._buf[:n], reason, noise=noise))
        del self._buf[:n]
        self._base += n

    def _drain(self, *, final: bool) -> list[Decoded[Message] | Rejection]:
        out: list[Decoded[Message] | Rejection] = []
        while self._buf and self._sync(final, out) and self._frame(final, out):
            pass
        return out

    def _sync(self, final: bool, out: list[Decoded[Message] | Rejection]) -> bool:
        """Drop bytes before the next header; False when there is none (yet)."""
        buf = self._buf
        start = buf.find(HEADER)
        if start < 0:
            keep = 1 if not final and buf[-1] == HEADER[0] else 0  # maybe half a header
            self._skip(len(buf) - keep, "no frame header (03 FF)", out, noise=True)
            return False
        if start:
            self._skip(start, "no frame header (03 FF)", out, noise=True)
        return True

    def _frame(self, final: bool, out: list[Decoded[Message] | Rejection]) -> bool:
        """Decide the frame at the header; False when it needs more bytes."""
        buf = self._buf
        if len(buf) < HEAD_SIZE:
            if final:
                self._skip(len(buf), "stream ended inside a frame header", out)
            return False
        cmd, length, hck = struct.unpack_from("<BHB", buf, 2)
        if hck != header_check(cmd, length):
            self._skip(1, "header check byte mismatch", out)
            return True
        if length > MAX_PAYLOAD:
            self._skip(1, f"length {length} exceeds {MAX_PAYLOAD}", out)
            return True
        total = length + OVERHEAD
        if len(buf) < total:
            if final:
                self._skip(1, f"stream ended inside a {total} B frame", out)
            return final
        (crc,) = struct.unpack_from("<H", buf, total - 2)
        if crc != crc16_ccitt(memoryview(buf)[2 : total - 2]):
            self._skip(1, f"CRC mismatch in a {total} B frame (cmd 0x{cmd:02x})", out)
            return True
        out.extend(self._garbage.close())
        raw = bytes(buf[:total])
        out.append(self._message(raw, cmd))
        del buf[:total]
        self._base += total
        return True

    def _message(self, raw: bytes, cmd: int) -> Decoded[Message] | Rejection:
        try:
            return Decoded(self._base, raw, interpret(cmd, raw[HEAD_SIZE:-2]))
        except PayloadError as err:
            return Rejection(self._base, len(raw), f"bad payload: {err}", raw)
