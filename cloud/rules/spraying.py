"""unrecorded_spraying: video saw spraying on a plot and no input_use covers it.

An input_use on the same plot counts when its event time lies in
[activity start − grace, activity end + grace]. The check runs when the clock passes
end + grace (a timer); one alert per activity (its `end` message is the cause); an input_use
that arrives after the alert resolves it (`late_record`).

Abstention: video is an accusation only when the camera and the model can be trusted. A spraying
from an uncommissioned camera, with a cue the verifier did not confirm, on out-of-domain frames
or below `RulesConfig.spraying_confidence_floor` is raised as a `warning` "needs review" with its
reasons and evidence, never `major` (`review_reasons`).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from agrisafe.protocol import Rule, Severity
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
    review: tuple[str, ...] = ()  # why a person must look before it accuses (review_reasons)
    media: tuple[str, ...] = ()  # SHA-256 of the activity's snapshots and clips

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


def review_reasons(bodies: Iterable[Mapping[str, Any]], floor: float) -> tuple[str, ...]:
    """Why a spraying's alert needs review, from its start/end bodies (empty: it may accuse).

    A field the sender did not state (an older edge, a manual post) is no reason; a stated
    `commissioned: false`, `verified: false` or `out_of_domain: true` is, and so is any
    confidence below `floor` (or one that is missing or not a number).
    """
    reasons: set[str] = set()
    for body in bodies:
        if body.get("commissioned") is False:
            reasons.add("uncommissioned_camera")
        if body.get("verified") is False:
            reasons.add("unverified_cue")
        if body.get("out_of_domain") is True:
            reasons.add("out_of_domain")
        conf = body.get("confidence")
        if isinstance(conf, bool) or not isinstance(conf, int | float) or conf < floor:
            reasons.add("low_confidence")
    return tuple(sorted(reasons))


def evidence_media(bodies: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """The SHA-256 of every evidence file the bodies name, in order, once each."""
    seen: dict[str, None] = {}
    for body in bodies:
        refs = body.get("evidence")
        for ref in refs if isinstance(refs, list) else []:
            sha = ref.get("sha256") if isinstance(ref, Mapping) else None
            if isinstance(sha, str):
                seen.setdefault(sha, None)
    return tuple(seen)


def unrecorded_spraying(window: SprayWindow) -> AlertDraft:
    """The alert for an uncovered spraying; `ts` is the moment the grace window closed."""
    end = parse_rfc3339(window.end_ts)
    zone = end.tzinfo or UTC  # always set: protocol times carry an offset
    due = end + timedelta(milliseconds=window.grace_ms)
    evidence = tuple(x for x in (window.start_id, window.end_id) if x is not None)
    detail: dict[str, Any] = {
        "track": window.track,
        "window_from": format_rfc3339(from_ms(window.from_ms, zone)),
        "window_to": format_rfc3339(from_ms(window.to_ms, zone)),
        "grace_hours": window.grace_ms / 3_600_000,
    }
    if window.media:
        detail["media"] = list(window.media)
    if window.review:
        detail["needs_review"] = True
        detail["review_reasons"] = list(window.review)
    return AlertDraft(
        Rule.UNRECORDED_SPRAYING,
        window.site,
        f"plot:{window.plot}",
        window.end_id,
        due,
        evidence,
        detail,
        severity=Severity.WARNING if window.review else None,
    )
