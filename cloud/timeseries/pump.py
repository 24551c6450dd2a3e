"""Moves staged points from the outbox to the configured `TimeSeriesWriter`.

Delete-after-write: a crash between the write and the delete writes those points again, which
the stores treat as the same points (same measurement, tags, field and time). A server that is
down is retried with backoff for as long as it takes; a batch the server refuses for good is
split until the refused points are found, and those are parked in the outbox with the reason.
"""

import logging
import time
from collections.abc import Callable, Sequence

from sqlalchemy import Engine

from agrisafe.backoff import Backoff
from agrisafe.worker import BackgroundWorker
from cloud.timeseries import outbox
from cloud.timeseries.points import Point, PointError, from_json
from cloud.timeseries.port import TimeSeriesWriter, WriteError

logger = logging.getLogger(__name__)


class TimeSeriesPump(BackgroundWorker):
    """Background thread draining the outbox into the writer."""

    def __init__(
        self,
        engine: Engine,
        writer: TimeSeriesWriter,
        *,
        batch: int = 5000,
        idle_s: float = 0.2,
        retry_max_s: float = 30.0,
        on_written: Callable[[int], None] | None = None,
        on_error: Callable[[], None] | None = None,
    ) -> None:
        super().__init__("timeseries-pump", join_timeout_s=15.0)
        self.engine = engine
        self.writer = writer
        self.batch = batch
        self.idle_s = idle_s
        self.retry_max_s = retry_max_s
        self.written = 0
        self.failures = 0
        self._on_written = on_written
        self._on_error = on_error

    def on_stop(self) -> None:
        """After the batch in hand (what is left stays in the outbox): close the writer."""
        self.writer.close()

    def run_once(self) -> int:
        """Move one batch; return how many rows left the outbox (raises WriteError to retry)."""
        if self.engine.dialect.name == "postgresql":
            # Rows stay locked while we write: other pumps skip them.
            with self.engine.begin() as conn:
                rows = outbox.claim(conn, self.batch)
                done, bad = self._deliver(rows)
                outbox.remove(conn, done)
                for seq, error in bad:
                    outbox.park(conn, seq, error)
            return len(done) + len(bad)
        # SQLite: read, write, then delete in a short write transaction of its own, so the
        # ingest never waits on the server's round trip.
        with self.engine.connect() as conn:
            rows = outbox.claim(conn, self.batch)
            conn.rollback()
        done, bad = self._deliver(rows)
        with self.engine.begin() as conn:
            outbox.remove(conn, done)
            for seq, error in bad:
                outbox.park(conn, seq, error)
        return len(done) + len(bad)

    def _deliver(self, rows: Sequence[outbox.OutboxRow]) -> tuple[list[int], list[tuple[int, str]]]:
        """Write rows: (seqs the server took, (seq, reason) it refused for good)."""
        if not rows:
            return [], []
        good: list[tuple[int, Point]] = []
        bad: list[tuple[int, str]] = []
        for row in rows:
            try:
                good.append((row.seq, from_json(row.point)))
            except PointError as err:
                bad.append((row.seq, str(err)))
        bad.extend(self._write_or_split(good))
        if bad:
            logger.error("time-series store refused %d points for good; parked", len(bad))
        parked = {seq for seq, _ in bad}
        done = [seq for seq, _ in good if seq not in parked]
        self.written += len(done)
        if self._on_written is not None and done:
            self._on_written(len(done))
        return done, bad

    def _write_or_split(self, items: list[tuple[int, Point]]) -> list[tuple[int, str]]:
        """Write; on a permanent refusal bisect to find the refused points (returned)."""
        if not items:
            return []
        try:
            self.writer.write([p for _, p in items])
            return []
        except WriteError as err:
            if err.retryable:
                raise
            if len(items) == 1:
                return [(items[0][0], str(err))]
        mid = len(items) // 2
        return self._write_or_split(items[:mid]) + self._write_or_split(items[mid:])

    def run(self) -> None:
        """Drain until stopped; a failing server is retried with backoff for as long as it takes."""
        backoff = Backoff(0.5, self.retry_max_s)
        while not self.stopping:
            try:
                moved = self.run_once()
                backoff.reset()
            except Exception as err:
                self.failures += 1
                if self._on_error is not None:
                    self._on_error()
                delay = backoff.next()
                retryable = isinstance(err, WriteError)
                log = logger.warning if retryable else logger.exception
                log(
                    "time-series write to %s failed (%s); retry in %.1f s",
                    self.writer.name,
                    err,
                    delay,
                )
                self._pause(delay)
                continue
            if moved < self.batch:
                self.sleep(self.idle_s)

    def _pause(self, seconds: float) -> None:
        # New rows (a wake) must not cut a retry delay short: the server is what is down.
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self.sleep(left):
                return

    def drain(self, timeout_s: float) -> bool:
        """Run batches in the caller's thread until the outbox is empty (tests, benchmarks)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if self.run_once() == 0 and outbox.depth(self.engine)[0] == 0:
                    return True
            except WriteError:
                time.sleep(0.2)
        return outbox.depth(self.engine)[0] == 0
