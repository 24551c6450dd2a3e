"""Per-message fault isolation at the database: one bad message never stops a batch.

`IngestService.process` stores a batch in one transaction. When that transaction fails and the
database still answers, some message in the batch is at fault: the batch is split in halves,
each stored on its own, down to the single message, which gets `max_attempts` tries and is then
dead-lettered (quarantined as `internal` with its raw bytes) — never retried forever. When the
database does not answer, nothing is split: the error goes up and the caller retries the whole
batch later (an outage is not a poison message).
"""

import logging
from collections.abc import Callable, Sequence

from sqlalchemy import Engine

from cloud.domain import Incoming, Outcome, ScopeCheck
from cloud.health import database_ok
from cloud.ingest.service import IngestService

logger = logging.getLogger(__name__)


class FaultIsolator:
    """Stores batches through the service, splitting a failing one to find the bad message."""

    def __init__(
        self,
        service: IngestService,
        *,
        max_attempts: int = 3,
        alive: Callable[[Engine], bool] = database_ok,
    ) -> None:
        self.service = service
        self.max_attempts = max_attempts
        self._alive = alive

    def process(self, batch: Sequence[Incoming], scope: ScopeCheck | None = None) -> list[Outcome]:
        """One outcome per message; raises only when the database itself is unreachable."""
        try:
            return self.service.process(batch, scope)
        except Exception as err:
            if not self._alive(self.service.engine):
                raise
            if len(batch) == 1:
                return [self._single(batch[0], scope, err)]
            logger.warning("a batch of %d failed at the store (%s); splitting it", len(batch), err)
        half = len(batch) // 2
        return self.process(batch[:half], scope) + self.process(batch[half:], scope)

    def _single(self, item: Incoming, scope: ScopeCheck | None, err: Exception) -> Outcome:
        for _attempt in range(2, self.max_attempts + 1):
            try:
                return self.service.process([item], scope)[0]
            except Exception as again:
                if not self._alive(self.service.engine):
                    raise
                err = again
        logger.error("dead-lettering a message after %d attempts: %s", self.max_attempts, err)
        return self.service.dead_letter(item, err, self.max_attempts)
