"""Event-time helpers. Protocol times are RFC 3339 with an explicit offset, never naive."""

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

# RFC 3339 §5.6 date-time: full-date "T" full-time, with a mandatory offset (Z or ±hh:mm).
# Lower-case t/z and a space separator are tolerated by some parsers; we do not, so that every
# component writes and reads exactly one form.
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$"
)

DEFAULT_TZ = "Asia/Shanghai"


class TimeFormatError(ValueError):
    """A time string is not RFC 3339 with an offset."""


def parse_rfc3339(text: str) -> datetime:
    """Parse an RFC 3339 date-time with offset into an aware datetime (µs precision)."""
    m = _RFC3339.match(text)
    if m is None:
        if re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?$", text):
            raise TimeFormatError("time has no UTC offset (add Z or +08:00)")
        raise TimeFormatError("not an RFC 3339 date-time such as 2026-05-01T08:30:00+08:00")
    frac = m.group(7) or ""
    # datetime keeps microseconds: truncate nanoseconds rather than reject them.
    normalised = text[: m.start(7)] + frac[:7] + m.group(8) if frac else text
    normalised = normalised.replace("Z", "+00:00")
    try:
        value = datetime.fromisoformat(normalised)
    except ValueError as err:  # e.g. month 13 matched the shape but is no date
        raise TimeFormatError(str(err)) from err
    offset = value.utcoffset()
    if offset is None or abs(offset) >= timedelta(hours=24):
        raise TimeFormatError("offset out of range")
    return value


def format_rfc3339(value: datetime) -> str:
    """Format an aware datetime as RFC 3339 (seconds, or microseconds when present)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: protocol times carry an offset")
    spec = "microseconds" if value.microsecond else "seconds"
    return value.isoformat(timespec=spec)


def utc_now() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


def due(last: datetime | None, now: datetime, every_s: float) -> bool:
    """True when `every_s` has passed since LAST (or there is none). A clock stepped back (NTP
    on a live camera) makes it due at once, not once the clock has caught up again."""
    if last is None:
        return True
    return not 0 <= (now - last).total_seconds() < every_s


def to_ms(value: datetime) -> int:
    """Epoch milliseconds of an aware datetime."""
    return int(value.timestamp() * 1000)


def from_ms(ms: int, tz: tzinfo = UTC) -> datetime:
    """Aware datetime from epoch milliseconds."""
    return datetime.fromtimestamp(ms / 1000, tz)


def site_zone(name: str | None) -> tzinfo:
    """Time zone of a site (IANA name); Asia/Shanghai when not configured."""
    return ZoneInfo(name or DEFAULT_TZ)


def fixed_offset(hours: float) -> tzinfo:
    """A fixed-offset zone, for tests and devices that report only an offset."""
    return timezone(timedelta(hours=hours))


class Clock:
    """Wall clock; replay and tests substitute a simulated one with the same method."""

    def now_ms(self) -> int:
        """Current time in epoch milliseconds."""
        return to_ms(utc_now())
