"""Drives ingest line by line under a simulated clock (protocol-v1.md "Scenario files").

For each line: the clock becomes max(clock, arrival) where arrival is the line's `at`, else its
`ts`; timers the clock has now passed fire first (they would have fired between the lines);
then the line is processed with `received_at` = arrival (replay is a trusted local tool). At the
end of the file the clock stops: timers still pending do not fire.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from agrisafe.protocol import Alert
from agrisafe.timeutil import TimeFormatError, parse_rfc3339, to_ms
from cloud.domain import Incoming, Outcome, Source, Verdict
from cloud.engine.runner import RuleEngine
from cloud.ingest.service import IngestService
from cloud.registry.service import RegistryService
from cloud.replay.clock import SimulatedClock

logger = logging.getLogger(__name__)


# The instants a replay can place a line at. Rules turn instants into calendar dates in the
# site's zone and add periods of days to them, which Python's dates cannot do near year 1 or
# 9999 (an OverflowError deep in a rule, ending the run); live ingest never meets such a time,
# as it bounds event time by the wall clock (ingest.validate.event_time_problem). A farm record
# arriving before 1970 or after 2199 is a typo, so such a line is set aside, named.
FIRST_MS = 0
END_MS = to_ms(datetime(2200, 1, 1, tzinfo=UTC))


def _arrival(payload: bytes) -> tuple[str, str, int] | None:
    """(key, text, epoch ms) of the line's simulated arrival: `at`, else `ts`."""
    try:
        obj = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(obj, dict):
        return None
    for key in ("at", "ts"):
        value = obj.get(key)
        if isinstance(value, str):
            try:
                return key, value, to_ms(parse_rfc3339(value))
            except TimeFormatError:
                continue
    return None


def arrival_ms(payload: bytes) -> int | None:
    """The line's simulated arrival: `at`, else `ts`; None if neither parses."""
    found = _arrival(payload)
    return found[2] if found is not None else None


def arrival_problem(payload: bytes) -> str | None:
    """Why a replay cannot place the line (its arrival outside 1970–2199), or None."""
    found = _arrival(payload)
    if found is None or FIRST_MS <= found[2] < END_MS:
        return None
    key, text, _ = found
    return f"{key} {text[:40]}: outside the years 1970 to 2199 a replay can place a line at"


@dataclass
class ReplayDriver:
    """Advances the clock, fires timers, hands each line to ingest, reports alerts in order."""

    service: IngestService
    rules: RuleEngine
    registry: RegistryService
    clock: SimulatedClock
    on_alert: Callable[[Alert], None]

    def advance(self, to_ms_: int) -> list[Alert]:
        """Move the clock (never back) and fire the timers it passed."""
        now = self.clock.advance_to(to_ms_)
        with self.service.engine.begin() as conn:
            opened = self.rules.tick(conn, self.registry, now)
        self._deliver(opened)
        return opened

    def feed(self, payload: bytes, topic: str | None) -> Outcome:
        """Process one line that arrived on `topic` (None: it could not be routed)."""
        arrival = arrival_ms(payload)
        if arrival is not None:
            self.advance(arrival)
        # received_at is the line's own arrival (even when an earlier line moved the clock
        # further); a line whose times cannot be read arrives at the clock.
        received = arrival if arrival is not None else self.clock.now_ms()
        item = Incoming(payload, topic, Source.REPLAY, received)
        outcome = self.service.process([item])[0]
        if outcome.verdict is Verdict.QUARANTINED and outcome.rejection is not None:
            logger.warning("line %s quarantined: %s", outcome.message_id, outcome.rejection.detail)
        return outcome

    def _deliver(self, alerts: list[Alert]) -> None:
        for alert in alerts:
            self.on_alert(alert)
