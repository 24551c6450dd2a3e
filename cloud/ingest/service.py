"""The ingest service: one batch in, one transaction out.

For a batch of received messages it decodes each, checks the sender, stores the new ones
(insert-or-ignore on the id), classifies repeats as duplicates or id reuse, quarantines the
rest, runs the rules on what is new and opens alerts — all in one transaction, so a crash
before commit leaves nothing and the redelivered batch is processed as if for the first time.
Alerts are delivered only after the commit.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection, Engine

from agrisafe.protocol import Alert, Envelope, FieldProblem, QuarantineReason
from agrisafe.timeutil import Clock
from cloud.domain import (
    MAX_MESSAGE_BYTES,
    AlertSink,
    Incoming,
    Outcome,
    Rejection,
    StoredRecord,
    Verdict,
)
from cloud.engine.runner import RuleEngine
from cloud.ingest.decode import decode, dump_and_hash
from cloud.ingest.signature import verify_sender
from cloud.registry.service import RegistryService
from cloud.store import quarantine, records

logger = logging.getLogger(__name__)


class StoredRecordSink(Protocol):
    """Extension point inside the ingest transaction (the time-series outbox writes here).

    Whatever it writes commits or rolls back with the records themselves.
    """

    def stage(self, conn: Connection, stored: Sequence[StoredRecord]) -> None:
        """Write derived rows for newly stored records on the batch's connection."""


class BatchObserver(Protocol):
    """Told after commit what a batch did (metrics); must be cheap and must not raise."""

    def observe(
        self,
        batch: Sequence[Incoming],
        outcomes: Sequence[Outcome],
        stored: Sequence[StoredRecord],
    ) -> None:
        """Record one committed batch."""


@dataclass
class IngestStats:
    """Counters for metrics and logs."""

    received: int = 0
    stored: int = 0
    duplicates: int = 0
    quarantined: dict[str, int] = field(default_factory=dict)
    alerts: int = 0


class IngestService:
    """Validates, stores and evaluates batches of received messages."""

    def __init__(
        self,
        engine: Engine,
        registry: RegistryService,
        rules: RuleEngine,
        sinks: Sequence[AlertSink] = (),
        *,
        clock: Clock | None = None,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        record_sinks: Sequence[StoredRecordSink] = (),
        observers: Sequence[BatchObserver] = (),
    ) -> None:
        self.engine = engine
        self.registry = registry
        self.rules = rules
        self.sinks = list(sinks)
        self.clock = clock or Clock()
        self.max_message_bytes = max_message_bytes
        self.stats = IngestStats()
        self.record_sinks = list(record_sinks)
        self.observers = list(observers)

    def process(self, batch: Sequence[Incoming]) -> list[Outcome]:
        """Process a batch; return one outcome per message, in order."""
        outcomes: list[Outcome | None] = [None] * len(batch)
        q_rows: list[dict[str, object]] = []
        # id → (index, envelope, content hash, stored JSON)
        candidates: dict[str, tuple[int, Envelope, str, dict[str, Any]]] = {}
        for i, item in enumerate(batch):
            result = decode(item, self.max_message_bytes)
            if not isinstance(result, Rejection):
                result = self._check_sender(result)
            if not isinstance(result, Rejection):  # trust chain (issue 12): the sender's sig
                result = verify_sender(item.payload, result, self.registry.keys)
            if isinstance(result, Rejection):
                outcomes[i] = self._reject(item, result, q_rows)
                continue
            doc, digest = dump_and_hash(result)
            first = candidates.get(result.id)
            if first is None:
                candidates[result.id] = (i, result, digest, doc)
            elif first[2] == digest:
                outcomes[i] = Outcome(Verdict.DUPLICATE, result.id)
            else:
                outcomes[i] = self._reject(item, _reuse(result.id), q_rows)
        stored: list[StoredRecord] = []
        opened = self._store(batch, candidates, outcomes, q_rows, stored)
        self._count(outcomes)
        if opened:
            self.stats.alerts += len(opened)
            for sink in self.sinks:
                sink.deliver(opened)
        final = [o if o is not None else Outcome(Verdict.QUARANTINED) for o in outcomes]
        for observer in self.observers:
            observer.observe(batch, final, stored)
        return final

    def _check_sender(self, env: Envelope) -> Envelope | Rejection:
        if self.registry.check_sender(env.site, env.device):
            return env
        problem = FieldProblem(
            "device", f"device {env.device!r} is not registered at site {env.site!r}"
        )
        return Rejection(QuarantineReason.UNKNOWN_DEVICE, [problem], env.id)

    def _reject(self, item: Incoming, rej: Rejection, rows: list[dict[str, object]]) -> Outcome:
        rows.append(
            quarantine.quarantine_row(
                received_ms=item.received_ms,
                source=item.source.value,
                topic=item.topic,
                reason=rej.reason.value,
                detail=rej.detail,
                raw=item.payload,
                message_id=rej.message_id,
            )
        )
        return Outcome(Verdict.QUARANTINED, rej.message_id, rej)

    def _store(
        self,
        batch: Sequence[Incoming],
        candidates: dict[str, tuple[int, Envelope, str, dict[str, Any]]],
        outcomes: list[Outcome | None],
        q_rows: list[dict[str, object]],
        stored: list[StoredRecord],
    ) -> list[Alert]:
        rows = [
            records.record_row(env, batch[i].received_ms, batch[i].source.value, digest, doc)
            for i, env, digest, doc in candidates.values()
        ]
        with self.engine.begin() as conn:
            inserted = records.insert_new(conn, rows)
            repeats = [mid for mid in candidates if mid not in inserted]
            known = records.stored_hashes(conn, repeats)
            new_envs: list[Envelope] = []
            arrivals: list[int] = []
            for mid, (i, env, digest, _doc) in candidates.items():
                if mid in inserted:
                    outcomes[i] = Outcome(Verdict.ACCEPTED, mid)
                    new_envs.append(env)
                    arrivals.append(batch[i].received_ms)
                    stored.append(StoredRecord(env, batch[i].received_ms))
                elif known.get(mid) == digest:
                    outcomes[i] = Outcome(Verdict.DUPLICATE, mid)
                else:
                    outcomes[i] = self._reject(batch[i], _reuse(mid), q_rows)
            quarantine.add(conn, q_rows)
            for sink in self.record_sinks:
                sink.stage(conn, stored)
            # Rules run in the same transaction, after the inserts: they see the batch and its
            # history together, and a crash before commit leaves neither records nor alerts.
            return self.rules.apply(conn, new_envs, arrivals, self.registry, self.clock.now_ms())

    def _count(self, outcomes: list[Outcome | None]) -> None:
        s = self.stats
        s.received += len(outcomes)
        for o in outcomes:
            if o is None:
                continue
            if o.verdict is Verdict.ACCEPTED:
                s.stored += 1
            elif o.verdict is Verdict.DUPLICATE:
                s.duplicates += 1
            elif o.rejection is not None:
                key = o.rejection.reason.value
                s.quarantined[key] = s.quarantined.get(key, 0) + 1


def _reuse(message_id: str) -> Rejection:
    problem = FieldProblem(
        "id", "id already used by a message with other content; the first one stands"
    )
    return Rejection(QuarantineReason.ID_REUSE, [problem], message_id)
