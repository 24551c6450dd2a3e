"""DY-3000 message payloads (modelled on the 达元 DY-3000 host protocol): typed, encoded, parsed.

Byte layouts: docs/instruments/dy3000.md. Requests and responses share a command byte; which one
a payload is follows from its length. Every parse error raises `PayloadError` with a reason.
"""

import struct
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum

CMD_LINK = 0x20
CMD_ERROR = 0xEE
# Command byte = family base + action: 0x40 wet chemistry, 0x60 colloidal gold, 0x70 dry chemistry.
ACT_ITEMS, ACT_RANGE, ACT_RECORD = 0x02, 0x03, 0x05
INHIBITION_INVALID = 0x7FFF  # bytes FF 7F
INHIBITION_NA = 0x7FFE  # bytes FE 7F
TC_NOT_REPORTED = 0xFFFF
SUSPICIOUS_STATUS = 192  # a channel status byte ≥ 192 flags a doubtful measurement
ITEM_SIZE = 26
SLOT_SIZE = 8
RECORD_HEAD = 25
MAX_CHANNELS = 16


class PayloadError(ValueError):
    """A payload whose framing was valid but whose content is not."""


class Family(StrEnum):
    """Record families, each with its own command block."""

    WET = "wet"  # 湿化学 (enzyme inhibition photometry)
    GOLD = "gold"  # 胶体金
    DRY = "dry"  # 干化学


FAMILY_BASE = {Family.WET: 0x40, Family.GOLD: 0x60, Family.DRY: 0x70}
_BASE_FAMILY = {v: k for k, v in FAMILY_BASE.items()}


class Method(IntEnum):
    """How a record's channel value is encoded."""

    INHIBITION = 0  # int16 LE, hundredths of a percent
    QUANTITATIVE = 1  # float32 LE
    GOLD = 2  # result code 1/2/3 + T/C ratio × 1000


class ChannelState(StrEnum):
    """Whether a channel carries a value."""

    OK = "ok"
    INVALID = "invalid"  # FF7F: the instrument could not compute a value
    NA = "na"  # FE7F or gold code 3: no test in this channel


def command(family: Family, action: int) -> int:
    """The command byte for an action on a family."""
    return FAMILY_BASE[family] + action


def split_command(cmd: int) -> tuple[Family, int] | None:
    """(family, action) of a family command, or None."""
    family = _BASE_FAMILY.get(cmd & 0xF0)
    action = cmd & 0x0F
    if family is None or action not in (ACT_ITEMS, ACT_RANGE, ACT_RECORD):
        return None
    return family, action


# -- FAT-style packed dates: YY<<25 | MM<<21 | DD<<16 | hh<<11 | mm<<5 | ss/2, YY from 1980 --------
def pack_fat(when: datetime) -> int:
    """Pack a (naive, instrument-local) time; seconds lose their lowest bit."""
    if not 1980 <= when.year <= 2107:
        raise ValueError(f"year {when.year} cannot be FAT-packed")
    return (
        (when.year - 1980) << 25
        | when.month << 21
        | when.day << 16
        | when.hour << 11
        | when.minute << 5
        | when.second // 2
    )


def unpack_fat(value: int) -> datetime:
    """Unpack; raises PayloadError on an impossible date."""
    try:
        return datetime(
            1980 + (value >> 25),
            (value >> 21) & 0x0F,
            (value >> 16) & 0x1F,
            (value >> 11) & 0x1F,
            (value >> 5) & 0x3F,
            (value & 0x1F) * 2,
        )
    except ValueError as err:
        raise PayloadError(f"bad packed date 0x{value:08x}: {err}") from None


def parse_text(raw: bytes) -> str:
    """A NUL-padded GB2312 text field."""
    try:
        return raw.split(b"\x00", 1)[0].decode("gb2312")
    except UnicodeDecodeError:
        raise PayloadError(f"text field is not GB2312: {raw.hex()}") from None


def _fixed(text: str, size: int) -> bytes:
    raw = text.encode("gb2312")
    if len(raw) > size:
        raise ValueError(f"{text!r} is longer than {size} bytes in GB2312")
    return raw.ljust(size, b"\x00")


@dataclass(frozen=True, slots=True)
class LinkReply:
    """Answer to the comms test: the instrument's model and firmware text."""

    text: str


@dataclass(frozen=True, slots=True)
class Item:
    """One test item of the instrument's table."""

    item_id: int
    method: Method
    name: str
    unit: str


@dataclass(frozen=True, slots=True)
class ItemTable:
    """The items of one family."""

    family: Family
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class RecordRange:
    """Record numbers stored in a date range: first .. first + count − 1."""

    family: Family
    first: int
    count: int


@dataclass(frozen=True, slots=True)
class Channel:
    """One 8-byte channel slot; channel 0 is the control."""

    channel: int
    status: int
    state: ChannelState
    value: float | None  # inhibition %, control ΔA, or a quantitative value
    sample_no: int
    gold_code: int | None = None
    t_c_ratio: float | None = None

    @property
    def suspicious(self) -> bool:
        """The instrument flagged this measurement (status ≥ 192)."""
        return self.status >= SUSPICIOUS_STATUS


@dataclass(frozen=True, slots=True)
class Record:
    """One stored test run: an item measured on up to 16 channels."""

    family: Family
    record_no: int
    item_id: int
    method: Method
    tested_at: datetime  # instrument-local, naive
    sample_name: str
    channels: tuple[Channel, ...]


@dataclass(frozen=True, slots=True)
class Request:
    """A host → instrument request (decoded when reading captures of both directions)."""

    cmd: int
    args: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """The instrument refused a command."""

    cmd: int
    code: int


Message = LinkReply | ItemTable | RecordRange | Record | Request | ErrorReply


def encode_items(items: tuple[Item, ...]) -> bytes:
    """Payload of an item-table response."""
    out = bytearray([len(items)])
    for it in items:
        out += bytes([it.item_id, it.method]) + _fixed(it.name, 16) + _fixed(it.unit, 8)
    return bytes(out)


def encode_slot(ch: Channel, method: Method) -> bytes:
    """One 8-byte channel slot."""
    if method is Method.GOLD:
        code = ch.gold_code if ch.gold_code is not None else 3
        tc = TC_NOT_REPORTED if ch.t_c_ratio is None else round(ch.t_c_ratio * 1000)
        value = struct.pack("<BBH", code, 0, tc)
    elif method is Method.QUANTITATIVE:
        value = struct.pack("<f", float("nan") if ch.value is None else ch.value)
    else:
        scale = 1000 if ch.channel == 0 else 100  # control slot: ΔA in milli-absorbance
        sentinel = {ChannelState.INVALID: INHIBITION_INVALID, ChannelState.NA: INHIBITION_NA}
        raw = sentinel.get(ch.state)
        if raw is None:
            scaled = round((ch.value or 0.0) * scale)
            if not -0x8000 <= scaled < INHIBITION_NA:
                raise ValueError(f"channel {ch.channel}: {ch.value} does not fit an int16 slot")
            raw = scaled & 0xFFFF
        value = struct.pack("<HH", raw, 0)
    return bytes([ch.channel, ch.status]) + value + struct.pack("<H", ch.sample_no)


def encode_record(rec: Record) -> bytes:
    """Payload of a record response."""
    head = struct.pack("<HBBI", rec.record_no, rec.item_id, rec.method, pack_fat(rec.tested_at))
    head += _fixed(rec.sample_name, 16) + bytes([len(rec.channels)])
    return head + b"".join(encode_slot(c, rec.method) for c in rec.channels)
