"""NMEA 0183 GGA / RMC / GSA sentences: pynmea2 for syntax and checksum, strict field checks here.

The checksum is required (a sentence without ``*HH`` is rejected). A sentence without a fix
never carries a position, so a no-fix receiver can never put a sample at 0,0. Times are UTC:
RMC gives date and time, GGA only the time of day (docs/instruments/nmea.md).
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import pynmea2

from firmware_bridge.protocols.base import IGNORED, Decoded, LineSplitter, Rejection

MAX_SENTENCE = 128  # NMEA says 82; some receivers exceed it slightly
SUPPORTED = ("GGA", "RMC", "GSA")
GGA_QUALITY = {
    0: "none",
    1: "gps",
    2: "dgps",
    3: "pps",
    4: "rtk",
    5: "float",
    6: "estimated",
    7: "manual",
    8: "simulation",
}
RMC_MODE = {
    "A": "gps",
    "D": "dgps",
    "P": "pps",
    "R": "rtk",
    "F": "float",
    "E": "estimated",
    "M": "manual",
    "S": "simulation",
    "N": "none",
}
# Not a position the receiver measured: no fix, or one typed in (GGA 7, RMC M) or simulated
# (GGA 8, RMC S). Such a sentence must never tag a sample or set the clock.
NOT_LIVE = frozenset({"none", "manual", "simulation"})
_LAT = re.compile(r"^(\d{2})(\d{2}(?:\.\d{1,9})?)$")
_LON = re.compile(r"^(\d{3})(\d{2}(?:\.\d{1,9})?)$")
_TIME = re.compile(r"^(\d{2})(\d{2})(\d{2})(?:\.(\d{1,6}))?$")
_DATE = re.compile(r"^(\d{2})(\d{2})(\d{2})$")


@dataclass(frozen=True, slots=True)
class NmeaFix:
    """What one GGA, RMC or GSA sentence says about the receiver's fix."""

    sentence: str  # GGA, RMC or GSA
    talker: str  # GP, GN, BD, GL …
    fix: str  # none, gps, dgps, rtk, float, estimated …
    lat: float | None = None
    lon: float | None = None
    alt: float | None = None
    hdop: float | None = None
    sats: int | None = None
    time_of_day: time | None = None  # UTC
    day: date | None = None  # RMC only

    @property
    def live(self) -> bool:
        """Whether the receiver reports a real fix (RMC status A, a measuring quality/mode)."""
        return self.fix not in NOT_LIVE

    @property
    def when(self) -> datetime | None:
        """UTC date and time, when the sentence carries both (RMC)."""
        if self.day is None or self.time_of_day is None:
            return None
        return datetime.combine(self.day, self.time_of_day, UTC)

    def to_json(self) -> dict[str, Any]:
        """The `agrisafe bridge decode` object: sentence, lat, lon, fix, time, hdop."""
        stamp: str | None = None
        if self.when is not None:
            stamp = _iso(self.when.strftime("%Y-%m-%dT%H:%M:%S"), self.when.microsecond) + "Z"
        elif self.time_of_day is not None:
            t = self.time_of_day
            stamp = _iso(t.strftime("%H:%M:%S"), t.microsecond)
        return {
            "sentence": self.sentence,
            "lat": self.lat,
            "lon": self.lon,
            "fix": self.fix,
            "time": stamp,
            "hdop": self.hdop,
        }


def _iso(base: str, micro: int) -> str:
    return f"{base}.{micro // 1000:03d}" if micro else base


def _coord(value: str, hemi: str, pattern: re.Pattern[str], limit: float, dirs: str) -> float:
    m = pattern.match(value)
    if m is None:
        raise ValueError(f"coordinate {value!r} is not (d)ddmm.mmmm")
    minutes = float(m.group(2))
    degrees = int(m.group(1)) + minutes / 60
    if minutes >= 60 or degrees > limit:
        raise ValueError(f"coordinate {value!r} is out of range")
    if hemi not in dirs:
        raise ValueError(f"hemisphere {hemi!r} is not {dirs[0]} or {dirs[1]}")
    return round(-degrees if hemi == dirs[1] else degrees, 9)


def _position(fields: list[str]) -> tuple[float, float]:
    """lat, lon from [lat, N/S, lon, E/W]."""
    if not fields[0] or not fields[2]:
        raise ValueError("a fix without a position")
    lat = _coord(fields[0], fields[1], _LAT, 90.0, "NS")
    return lat, _coord(fields[2], fields[3], _LON, 180.0, "EW")


def _time(value: str) -> time | None:
    if not value:
        return None
    m = _TIME.match(value)
    if m is None:
        raise ValueError(f"time {value!r} is not hhmmss.ss")
    micro = int((m.group(4) or "0").ljust(6, "0"))
    try:
        return time(int(m.group(1)), int(m.group(2)), int(m.group(3)), micro)
    except ValueError:
        raise ValueError(f"time {value!r} is out of range") from None


def _date(value: str) -> date | None:
    if not value:
        return None
    m = _DATE.match(value)
    if m is None:
        raise ValueError(f"date {value!r} is not ddmmyy")
    yy = int(m.group(3))
    try:
        return date(2000 + yy if yy < 80 else 1900 + yy, int(m.group(2)), int(m.group(1)))
    except ValueError:
        raise ValueError(f"date {value!r} is not a calendar date") from None


def _float(value: str, name: str) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{name} {value!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{name} {value!r} is not finite")
    return number


def _field(data: list[str], i: int) -> str:
    return data[i].strip() if i < len(data) else ""


def _gga(talker: str, d: list[str]) -> NmeaFix:
    quality = _field(d, 5)
    if not quality.isdigit() or int(quality) not in GGA_QUALITY:
        raise ValueError(f"GGA quality {quality!r} is not 0..8")
    fix = GGA_QUALITY[int(quality)]
    lat, lon = _position([_field(d, i) for i in range(1, 5)]) if fix != "none" else (None, None)
    sats = _field(d, 6)
    hdop = _float(_field(d, 7), "HDOP")
    if hdop is not None and hdop < 0:
        raise ValueError("negative HDOP")
    return NmeaFix(
        "GGA",
        talker,
        fix,
        lat,
        lon,
        _float(_field(d, 8), "altitude") if fix != "none" else None,
        hdop,
        int(sats) if sats.isdigit() else None,
        _time(_field(d, 0)),
    )


def _rmc(talker: str, d: list[str]) -> NmeaFix:
    status = _field(d, 1)
    if status not in ("A", "V"):
        raise ValueError(f"RMC status {status!r} is not A or V")
    mode = _field(d, 11)
    fix = "none" if status == "V" else RMC_MODE.get(mode or "A")
    if fix is None:
        raise ValueError(f"RMC mode {mode!r} is unknown")
    lat, lon = _position([_field(d, i) for i in range(2, 6)]) if fix != "none" else (None, None)
    return NmeaFix(
        "RMC", talker, fix, lat, lon, time_of_day=_time(_field(d, 0)), day=_date(_field(d, 8))
    )


def _gsa(talker: str, d: list[str]) -> NmeaFix:
    kind = _field(d, 1)
    if kind not in ("1", "2", "3"):
        raise ValueError(f"GSA fix type {kind!r} is not 1, 2 or 3")
    hdop = _float(_field(d, 15), "HDOP")
    if hdop is not None and hdop < 0:
        raise ValueError("negative HDOP")
    return NmeaFix("GSA", talker, "none" if kind == "1" else "gps", hdop=hdop)


_PARSERS = {"GGA": _gga, "RMC": _rmc, "GSA": _gsa}


def parse_sentence(line: str) -> NmeaFix:
    """One sentence (terminator stripped); raises ValueError with a reason."""
    if not line.startswith("$"):
        raise ValueError("does not start with '$'")
    if not re.search(r"\*[0-9A-Fa-f]{2}$", line):
        raise ValueError("missing '*HH' checksum")
    try:
        msg = pynmea2.parse(line, check=True)
    except pynmea2.ChecksumError:
        raise ValueError("checksum mismatch") from None
    except Exception as err:
        raise ValueError(f"not an NMEA sentence: {err}") from None
    kind = str(getattr(msg, "sentence_type", ""))
    parser = _PARSERS.get(kind)
    if parser is None:
        raise ValueError(f"unsupported sentence type {kind or '?'} {IGNORED}")
    return parser(str(msg.talker), [str(x) for x in msg.data])


class NmeaDecoder:
    """Incremental NMEA decoder: one sentence per LF-terminated line."""

    def __init__(self) -> None:
        self._lines = LineSplitter(MAX_SENTENCE)

    def feed(self, data: bytes) -> list[Decoded[NmeaFix] | Rejection]:
        """Consume bytes; return decided sentences and rejections in stream order."""
        return [self._decode(item) for item in self._lines.feed(data) if _content(item)]

    def flush(self) -> list[Decoded[NmeaFix] | Rejection]:
        """End of stream: a last line without a newline is still decoded."""
        return [self._decode(item) for item in self._lines.feed(b"", final=True) if _content(item)]

    def _decode(self, item: tuple[int, bytes] | Rejection) -> Decoded[NmeaFix] | Rejection:
        if isinstance(item, Rejection):
            return item
        offset, raw = item
        try:
            text = raw.rstrip(b"\r\n").decode("ascii").strip()
            return Decoded(offset, raw, parse_sentence(text))
        except UnicodeDecodeError:
            return Rejection(offset, len(raw), "not ASCII", raw)
        except ValueError as err:
            return Rejection(offset, len(raw), str(err), raw)


def _content(item: tuple[int, bytes] | Rejection) -> bool:
    """Blank lines carry nothing and are dropped silently."""
    return isinstance(item, Rejection) or bool(item[1].strip())
