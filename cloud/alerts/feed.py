"""The live stream's only source: alerts read back from the cloud's own store after commit.

The alert topics on MQTT are an outbound courtesy for other systems; anyone with broker access
could publish on them, so the regulators' stream never reads them. Every ingest worker (in this
process or another) commits alerts to the same database; this feed tails the alerts table and
hands each committed alert to the hub once.
"""

import logging
from collections.abc import Callable, Sequence

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from agrisafe.protocol import Alert
from agrisafe.timeutil import Clock
from agrisafe.worker import BackgroundWorker
from cloud.store import alerts as store

logger = logging.getLogger(__name__)

# `raised_ms` is taken before the commit (and on each worker's own clock), so an alert can become
# visible with a raised time a little behind ones already seen: re-read that far back.
LOOKBACK_MS = 30_000
PAGE = 1000


class FeedCursor:
    """Which committed alerts were already handed on (pure bookkeeping, no I/O)."""

    def __init__(self, start_ms: int, lookback_ms: int = LOOKBACK_MS) -> None:
        self.high_ms = start_ms
        self.lookback_ms = lookback_ms
        self._seen: dict[str, int] = {}

    @property
    def since_ms(self) -> int:
        """Where the next read starts."""
        return self.high_ms - self.lookback_ms

    def fresh(self, alerts: Sequence[Alert]) -> list[Alert]:
        """The alerts not handed on before; remembers them and moves the cursor."""
        new: list[Alert] = []
        for alert in alerts:
            if alert.id in self._seen:
                continue
            raised = _ms(alert)
            self._seen[alert.id] = raised
            self.high_ms = max(self.high_ms, raised)
            new.append(alert)
        floor = self.since_ms
        self._seen = {k: v for k, v in self._seen.items() if v >= floor}
        return new


def _ms(alert: Alert) -> int:
    return int(alert.raised_at.timestamp() * 1000) if alert.raised_at else 0


class StoreAlertFeed(BackgroundWorker):
    """Polls the alerts table and calls `deliver` with each newly committed alert, once."""

    def __init__(
        self,
        engine: Engine,
        deliver: Callable[[list[Alert]], None],
        *,
        poll_s: float = 0.25,
        clock: Clock | None = None,
    ) -> None:
        super().__init__("alert-feed")
        self.engine = engine
        self.deliver = deliver
        self.poll_s = poll_s
        self.cursor = FeedCursor((clock or Clock()).now_ms())

    def run_once(self) -> int:
        """Read what was committed since the cursor; return how many alerts were new."""
        since, after, count = self.cursor.since_ms, "", 0
        with self.engine.connect() as conn:
            while True:  # keyset pages: a burst larger than one page is read in full
                rows = store.raised_since(conn, since, after, limit=PAGE)
                new = self.cursor.fresh(rows)
                if new:
                    self.deliver(new)
                count += len(new)
                if len(rows) < PAGE:
                    return count
                since, after = _ms(rows[-1]), rows[-1].id

    def run(self) -> None:
        """Poll until stopped; a database error is logged and retried on the next round."""
        while not self.stopping:
            try:
                self.run_once()
            except SQLAlchemyError:
                logger.warning("alert feed: store read failed; retrying", exc_info=True)
            if self.sleep(self.poll_s):
                return
