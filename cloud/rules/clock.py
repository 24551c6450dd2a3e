"""The rule clock of a running cloud: a thread that fires due timers every few seconds.

Replay drives `RuleEngine.tick` with its simulated clock instead. Several cloud processes may
tick at once: a timer is settled by a conditional update, so only one of them raises its alert.
"""

import logging
import threading
from collections.abc import Sequence

from sqlalchemy import Engine

from agrisafe.timeutil import Clock
from cloud.ingest.service import AlertSink
from cloud.rules.engine import RuleEngine, SiteLookup

logger = logging.getLogger(__name__)


class RuleTicker:
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
        self.engine, self.rules, self.sites = engine, rules, sites
        self.sinks = list(sinks)
        self.interval_s = interval_s
        self.clock = clock or Clock()
        self.fired = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rule-clock", daemon=True)

    def start(self) -> None:
        """Start ticking."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current tick."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)

    def tick_once(self) -> int:
        """One tick now; return the number of alerts opened."""
        with self.engine.begin() as conn:
            opened = self.rules.tick(conn, self.sites, self.clock.now_ms())
        for sink in self.sinks:
            if opened:
                sink.deliver(opened)
        self.fired += len(opened)
        return len(opened)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.tick_once()
            except Exception:  # the database may be briefly away; try again next tick
                logger.exception("rule clock tick failed")
