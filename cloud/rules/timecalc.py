"""Time arithmetic of the rules (protocol-v1.md "Rule semantics"), on epoch milliseconds.

- Periods in days compare calendar dates in the site's time zone: an event on `date` is
  allowed when `date ≥ start_date + N` (landing on the boundary is allowed).
- Periods in hours compare instants: allowed when `event ≥ start + N h`.
- Degree-days accumulate `water_temp_c × days` (calendar days, as for day periods); allowed when
  the sum reaches N. A temperature at or below 0 °C accumulates nothing.
- Every window starts at its opening fact: an event before the application (treatment) is
  outside it, whatever the calendar says.
"""

from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache

DAY_MS = 86_400_000
HOUR_MS = 3_600_000


def local_date(ts_ms: int, tz: tzinfo) -> date:
    """Calendar date of an instant in a time zone."""
    return datetime.fromtimestamp(ts_ms / 1000, tz).date()


def earliest_date(start_ms: int, days: int, tz: tzinfo) -> date:
    """First calendar date on which an event is allowed after a `days` period."""
    return local_date(start_ms, tz) + timedelta(days=days)


def days_blocks(start_ms: int, event_ms: int, days: int, tz: tzinfo) -> bool:
    """True when the event falls inside the day period opened at `start_ms`."""
    if event_ms < start_ms:
        return False
    return local_date(event_ms, tz) < earliest_date(start_ms, days, tz)


def hours_blocks(start_ms: int, event_ms: int, hours: int) -> bool:
    """True when the event falls inside the hour period opened at `start_ms`."""
    return start_ms <= event_ms < start_ms + hours * HOUR_MS


def degree_days(start_ms: int, event_ms: int, water_temp_c: float, tz: tzinfo) -> float:
    """Degree-days accumulated between the two instants (calendar days × °C, never negative)."""
    days = (local_date(event_ms, tz) - local_date(start_ms, tz)).days
    return max(days, 0) * max(water_temp_c, 0.0)


def degree_days_block(
    start_ms: int, event_ms: int, water_temp_c: float, needed: int, tz: tzinfo
) -> bool:
    """True when fewer than `needed` degree-days have accumulated at the event."""
    if event_ms < start_ms:
        return False
    return degree_days(start_ms, event_ms, water_temp_c, tz) < needed


def season_of(ts_ms: int, tz: tzinfo) -> int:
    """The season of an instant: its calendar year in the site's zone (protocol-v1.md)."""
    return local_date(ts_ms, tz).year


@lru_cache(maxsize=1024)
def season_bounds_ms(year: int, tz: tzinfo) -> tuple[int, int]:
    """[start, end) of a season as epoch milliseconds."""
    start = datetime(year, 1, 1, tzinfo=tz)
    end = datetime(year + 1, 1, 1, tzinfo=tz)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def span_ms(days: int) -> int:
    """A safe upper bound, in ms, of how far a `days` period can reach from its start.

    One extra day covers the rest of the start's calendar day; another covers a time-zone
    offset difference between the instant and the site's calendar.
    """
    return (days + 2) * DAY_MS
