"""Line-based ASCII/CSV instruments: one record per line, a configurable field map, `*HH` check.

Generic instruments print one result per line, e.g.
``$RT,2026-05-01 08:30:00,1,S-0001,黄瓜,enzyme_inhibition,0.0,,*1B``. `LineFormat` says which column
means what; with a checksum configured (XOR or 8-bit sum over the bytes before ``*``) a flipped
byte is rejected (docs/instruments/line.md).
"""

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from firmware_bridge.protocols.base import Decoded, LineSplitter, Rejection
from firmware_bridge.protocols.checksum import sum8, xor8

TEXT_FIELDS = frozenset(
    {"sample", "commodity", "analyte", "method", "result", "lot", "plot", "operator"}
)
INT_FIELDS = frozenset({"sample_no", "channel", "status"})
FLOAT_FIELDS = frozenset(
    {"inhibition_pct", "delta_a_control", "delta_a_sample", "c_line", "t_line", "t_c_ratio"}
)
SKIP = "-"
KNOWN_FIELDS = TEXT_FIELDS | INT_FIELDS | FLOAT_FIELDS | {"time", SKIP}


class LineFormat(BaseModel):
    """How a line instrument lays out its records."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prefix: str = Field(default="$RT", description="tag that starts every record line")
    delimiter: str = Field(default=",", min_length=1, max_length=1, description="column separator")
    fields: tuple[str, ...] = Field(
        default=(
            "time",
            "channel",
            "sample",
            "commodity",
            "method",
            "inhibition_pct",
            "c_line",
            "t_line",
        ),
        min_length=1,
        description=f"meaning of each column after the prefix, '{SKIP}' to ignore one; known: "
        + ", ".join(sorted(KNOWN_FIELDS - {SKIP})),
    )
    checksum: Literal["xor", "sum8", "none"] = Field(
        default="xor", description="check after '*' as two hex digits; 'none' cannot catch noise"
    )
    encoding: Literal["utf-8", "gb2312", "gbk", "ascii"] = Field(
        default="utf-8", description="text encoding of the line"
    )
    time_format: str = Field(default="%Y-%m-%d %H:%M:%S", description="strptime format of 'time'")
    max_line: int = Field(default=512, ge=16, le=65536, description="longest line accepted (bytes)")

    @field_validator("fields")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [f for f in value if f not in KNOWN_FIELDS]
        if unknown:
            raise ValueError(f"unknown field names {unknown}; known: {sorted(KNOWN_FIELDS)}")
        named = [f for f in value if f != SKIP]
        if len(set(named)) != len(named):
            raise ValueError("a field name appears twice")
        return value


@dataclass(frozen=True, slots=True)
class LineRecord:
    """One decoded line: text, integer, float and time fields by name (absent = empty column)."""

    text: dict[str, str] = field(default_factory=dict)
    ints: dict[str, int] = field(default_factory=dict)
    floats: dict[str, float] = field(default_factory=dict)
    tested_at: datetime | None = None


def _check(fmt: LineFormat, body: bytes) -> int:
    return xor8(body) if fmt.checksum == "xor" else sum8(body)


def encode_line(fmt: LineFormat, values: dict[str, str]) -> bytes:
    """A record line (with checksum and CRLF) from column texts by field name."""
    cols = [values.get(name, "") if name != SKIP else "" for name in fmt.fields]
    body = fmt.delimiter.join([fmt.prefix, *cols]).encode(fmt.encoding)
    if fmt.checksum != "none":
        body += b"*%02X" % _check(fmt, body)
    return body + b"\r\n"


def _number(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} {text!r} is not a finite number")
    return value


def _verified(fmt: LineFormat, line: bytes) -> bytes:
    """The line without its `*HH`, after checking it."""
    if fmt.checksum == "none":
        return line
    star = line.rfind(b"*")
    if star < 0 or len(line) - star != 3:
        raise ValueError("missing '*HH' checksum")
    try:
        given = int(line[star + 1 :], 16)
    except ValueError:
        raise ValueError(f"checksum {line[star + 1 :]!r} is not hex") from None
    body = line[:star]
    if _check(fmt, body) != given:
        raise ValueError(f"checksum mismatch ({_check(fmt, body):02X} != {given:02X})")
    return body


def parse_line(fmt: LineFormat, line: bytes) -> LineRecord:
    """One line without its terminator; raises ValueError with a reason."""
    body = _verified(fmt, line)
    try:
        text = body.decode(fmt.encoding)
    except UnicodeDecodeError as err:
        raise ValueError(f"not {fmt.encoding} text: {err.reason}") from None
    cols = text.split(fmt.delimiter)
    if cols[0] != fmt.prefix:
        raise ValueError(f"not a record line (expected prefix {fmt.prefix!r})")
    if len(cols) - 1 != len(fmt.fields):
        raise ValueError(f"{len(cols) - 1} columns, expected {len(fmt.fields)}")
    rec = LineRecord()
    tested_at = None
    for name, raw in zip(fmt.fields, cols[1:], strict=True):
        value = raw.strip()
        if name == SKIP or value == "":
            continue  # an empty column is absent; "0" is a value and is kept
        if name == "time":
            tested_at = _time(fmt, value)
        else:
            _put(rec, name, value)
    return LineRecord(rec.text, rec.ints, rec.floats, tested_at)


def _time(fmt: LineFormat, value: str) -> datetime:
    try:
        return datetime.strptime(value, fmt.time_format)
    except ValueError:
        raise ValueError(f"time {value!r} does not match {fmt.time_format!r}") from None


def _put(rec: LineRecord, name: str, value: str) -> None:
    """Store one non-empty column by its kind (whole number, number or text)."""
    if name in INT_FIELDS:
        if not value.isdigit() or len(value) > 9:
            raise ValueError(f"{name} {value!r} is not a whole number")
        rec.ints[name] = int(value)
    elif name in FLOAT_FIELDS:
        rec.floats[name] = _number(name, value)
    else:
        rec.text[name] = value


class LineDecoder:
    """Incremental line decoder: LF-terminated (CR stripped), over-long lines rejected whole."""

    def __init__(self, fmt: LineFormat | None = None) -> None:
        self.fmt = fmt or LineFormat()
        self._lines = LineSplitter(self.fmt.max_line)

    def feed(self, data: bytes) -> list[Decoded[LineRecord] | Rejection]:
        """Consume bytes; return decided lines and rejections in stream order."""
        return [self._decode(item) for item in self._lines.feed(data) if _content(item)]

    def flush(self) -> list[Decoded[LineRecord] | Rejection]:
        """End of stream: a last line without a newline is still decoded."""
        return [self._decode(item) for item in self._lines.feed(b"", final=True) if _content(item)]

    def _decode(self, item: tuple[int, bytes] | Rejection) -> Decoded[LineRecord] | Rejection:
        if isinstance(item, Rejection):
            return item
        offset, raw = item
        try:
            return Decoded(offset, raw, parse_line(self.fmt, raw.rstrip(b"\r\n")))
        except ValueError as err:
            return Rejection(offset, len(raw), str(err), raw)


def _content(item: tuple[int, bytes] | Rejection) -> bool:
    """Blank lines carry nothing and are dropped silently."""
    return isinstance(item, Rejection) or bool(item[1].strip())
