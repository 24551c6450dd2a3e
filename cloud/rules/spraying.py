"""unrecorded_spraying: video saw spraying on a plot and no input_use covers it.

An input_use on the same plot counts when its event time lies in
[activity start − grace, activity end + grace]. The check runs when the clock passes
end + grace (a timer); one alert per activity (its `end` message is the cause); an input_use
that arrives after the alert resolves it (`late_record`).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, timedelta

from agrisafe.protocol import Rule
from agrisafe.timeutil import format_rfc3339, from_ms, parse_rfc3339
from cloud.domain import AlertDraft

LATE_RECORD = "late_record"


@dataclass(frozen=True, slots=True)
class SprayWindow:
    """The span an input_use must fall in to count for one spraying activity."""

    site: str
    plot: str
    track: str
    start_id: str | None
    end_id: str
    start_ms: int
    end_ms: int
    end_ts: str  # the end message's RFC 3339 text (its offset is reused for the alert)
    grace_ms: int

    @property
    def from_ms(self) -> int:
        """First instant that counts."""
        return self.start_ms - self.grace_ms

    @property
    def to_ms(self) -> int:
        """Last instant that counts (also when the timer is due)."""
        return self.end_ms + self.grace_ms


def covered(window: SprayWindow, input_times_ms: Iterable[int]) -> bool:
    """True when some input_use event time lies in the window (bounds included)."""
    return any(window.from_ms <= ts <= window.to_ms for ts in input_times_ms)


def unrecorded_spraying(window: SprayWindow) -> AlertDraft:
    """The alert for an uncovered spraying; `ts` is the moment the grace window closed."""
    end = parse_rfc3339(window.end_ts)
    zone = end.tzinfo or UTC  # always set: protocol times carry an offset
    due = end + timedelta(milliseconds=window.grace_ms)
    evidence = tuple(x for x in (window.start_id, window.end_id) if x is not None)
    return AlertDraft(
        Rule.UNRECORDED_SPRAYING,
        window.site,
        f"plot:{window.plot}",
        window.end_id,
        due,
        evidence,
        {
            "track": window.track,
            "window_from": format_rfc3339(from_ms(window.from_ms, zone)),
            "window_to": format_rfc3339(from_ms(window.to_ms, zone)),
            "grace_hours": window.grace_ms / 3_600_000,
        },
    )
