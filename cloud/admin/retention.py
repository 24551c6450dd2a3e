"""The periodic quarantine purge (age and count limits from the settings)."""

import logging

from sqlalchemy import Engine

from agrisafe.timeutil import Clock
from agrisafe.worker import BackgroundWorker
from cloud.store.quarantine_retention import purge

logger = logging.getLogger(__name__)
DAY_MS = 24 * 3600 * 1000


class QuarantineRetention(BackgroundWorker):
    """Every `period_s`: drop rejected messages older than `max_age_days` or beyond `max_rows`."""

    def __init__(
        self,
        engine: Engine,
        *,
        max_age_days: float,
        max_rows: int,
        period_s: float,
        clock: Clock | None = None,
    ) -> None:
        super().__init__("quarantine-retention", join_timeout_s=10.0)
        self.engine = engine
        self.max_age_ms = int(max_age_days * DAY_MS)
        self.max_rows, self.period_s = max_rows, period_s
        self.clock = clock or Clock()

    def run_once(self) -> int:
        """Purge once; return the rows deleted."""
        cutoff = self.clock.now_ms() - self.max_age_ms
        with self.engine.begin() as conn:
            gone = purge(conn, older_than_ms=cutoff, keep_rows=self.max_rows)
        if gone:
            logger.info("quarantine retention: %d rejected message(s) purged", gone)
        return gone

    def run(self) -> None:
        """Purge at start, then every `period_s`."""
        while not self.stopping:
            try:
                self.run_once()
            except Exception:
                logger.exception("quarantine retention failed")
            self.sleep(self.period_s)
