"""The rule clock of a running cloud: a thread that fires due timers every few seconds.

Replay drives `RuleEngine.tick` with its simulated clock instead. Several cloud processes may
tick at once: a timer is settled by a conditional update, so only one of them raises its alert.
"""

import logging
from collections.abc import Sequence

from sqlalchemy import Engine

from agrisafe.timeutil import Clock
from agrisafe.worker import BackgroundWorker
from cloud.domain import AlertSink
from cloud.engine.runner import RuleEngine, SiteLookup

logger = logging.getLogger(__name__)


class RuleTicker(BackgroundWorker):
    """Calls `tick(now)` periodically and delivers the alerts it opens."""

    def __init__(
        self,
        engine: Engine,
        rules: RuleEngine,
        sites: SiteLookup,
        sinks: Sequence[AlertSink],
        *,
        interval_s: float = 5.0,
        clock: Clock | None = None,
    ) -> None:
        super().__init__("rule-clock", join_timeout_s=10.0)
        self.engine, self.rules, self.sites = engine, rules, sites
        self.sinks = list(sinks)
        self.interval_s = interval_s
        self.clock = clock or Clock()
        self.fired = 0
        self.ticks = 0  # completed ticks: tests wait on it instead of sleeping

    def tick_once(self) -> int:
        """One tick now; return the number of alerts opened."""
        with self.engine.begin() as conn:
            opened = self.rules.tick(conn, self.sites, self.clock.now_ms())
        for sink in self.sinks:
            if opened:
                sink.deliver(opened)
        self.fired += len(opened)
        self.ticks += 1
        return len(opened)

    def run(self) -> None:
        """Tick every `interval_s` until stopped."""
        while not self.sleep(self.interval_s):
            try:
                self.tick_once()
            except Exception:  # the database may be briefly away; try again next tick
                logger.exception("rule clock tick failed")
