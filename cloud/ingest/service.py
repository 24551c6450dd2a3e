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
    AlertDraft,
    AlertSink,
    Incoming,
    Outcome,
    Rejection,
    ScopeCheck,
    StoredRecord,
    Verdict,
)
from cloud.engine.commit import commit
from cloud.engine.runner import RuleEngine
from cloud.ingest.conflicts import Holder, conflict_alert, repeat_rejection
from cloud.ingest.decode import dump_and_hash, guess_id
from cloud.ingest.kinds import DeviceTypes
from cloud.ingest.signature import ParallelVerifier, PendingChecks, Presigned
from cloud.ingest.validate import IngestPolicy, Validator
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
    dead_lettered: int = 0  # messages the store kept refusing, quarantined as `internal`


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
        record_sinks: Sequence[StoredRecordSink] = (),
        observers: Sequence[BatchObserver] = (),
        policy: IngestPolicy | None = None,
    ) -> None:
        self.engine = engine
        self.registry = registry
        self.rules = rules
        self.sinks = list(sinks)
        self.clock = clock or Clock()
        self.stats = IngestStats()
        self.record_sinks = list(record_sinks)
        self.observers = list(observers)
        self.policy = policy or IngestPolicy()
        self.validator = Validator(registry, DeviceTypes(engine), self.policy)
        self.verifier = ParallelVerifier(registry.keys)

    def process(self, batch: Sequence[Incoming], scope: ScopeCheck | None = None) -> list[Outcome]:
        """Process a batch; return one outcome per message, in order.

        `scope` (HTTP) says which sites and devices the caller may send as. A failure while
        decoding one message quarantines that message (`internal`); a failure at the database
        raises, for `FaultIsolator` to split the batch.
        """
        outcomes: list[Outcome | None] = [None] * len(batch)
        q_rows: list[dict[str, object]] = []
        # id → (index, envelope, content hash, stored JSON)
        candidates: dict[str, tuple[int, Envelope, str, dict[str, Any]]] = {}
        conflicts: list[AlertDraft] = []
        pending = self.verifier.start([item.payload for item in batch]) if len(batch) > 1 else None
        for i, item in enumerate(batch):
            checked = self._validate(item, scope, _presigned(pending, i, item.payload))
            if isinstance(checked, Rejection):
                outcomes[i] = self._reject(item, checked, q_rows)
                continue
            result, doc, digest = checked
            first = candidates.get(result.id)
            if first is None:
                candidates[result.id] = (i, result, digest, doc)
                continue
            holder = Holder(first[2], first[1].site, first[1].device)
            outcomes[i] = self._repeat(item, result, digest, holder, q_rows, conflicts)
        stored: list[StoredRecord] = []
        opened = self._store(batch, candidates, outcomes, q_rows, stored, conflicts)
        self._count(outcomes)
        if opened:
            self.stats.alerts += len(opened)
            for sink in self.sinks:
                sink.deliver(opened)
        final = [o if o is not None else Outcome(Verdict.QUARANTINED) for o in outcomes]
        for observer in self.observers:
            observer.observe(batch, final, stored)
        return final

    def _validate(
        self, item: Incoming, scope: ScopeCheck | None, presigned: Presigned | None = None
    ) -> tuple[Envelope, dict[str, Any], str] | Rejection:
        try:
            result = self.validator.validate(item, scope, presigned)
            if isinstance(result, Rejection):
                return result
            doc, digest = dump_and_hash(result)
        except Exception as err:
            # One message must never stop the batch: keep it for an operator, go on.
            logger.exception("ingest failed on one message; quarantined as internal")
            return internal_rejection(err, 1, guess_id(item.payload))
        return result, doc, digest

    def dead_letter(self, item: Incoming, err: BaseException, attempts: int) -> Outcome:
        """Quarantine one message the store kept refusing (`internal`), in its own transaction."""
        rows: list[dict[str, object]] = []
        rejection = internal_rejection(err, attempts, guess_id(item.payload))
        outcome = self._reject(item, rejection, rows)
        with self.engine.begin() as conn:
            quarantine.add(conn, rows)
        self.stats.dead_lettered += 1
        self._count([outcome])
        return outcome

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

    def _repeat(
        self,
        item: Incoming,
        env: Envelope,
        digest: str,
        holder: Holder,
        q_rows: list[dict[str, object]],
        conflicts: list[AlertDraft],
    ) -> Outcome:
        """A message whose id is taken: duplicate, `id_reuse`, or `id_conflict` (alerted)."""
        rejection = repeat_rejection(env, digest, holder)
        if rejection is None:
            return Outcome(Verdict.DUPLICATE, env.id)
        if rejection.reason is QuarantineReason.ID_CONFLICT:
            # Loud: another sender holding this id may mean a result was made to vanish.
            logger.error(
                "id_conflict: %s %s/%s came from %s/%s but that id is held by %s/%s; "
                "quarantined and alerted",
                env.kind.value,
                env.site,
                env.device,
                item.source.value,
                item.topic,
                holder.site,
                holder.device,
            )
            conflicts.append(conflict_alert(env, holder))
        return self._reject(item, rejection, q_rows)

    def _store(
        self,
        batch: Sequence[Incoming],
        candidates: dict[str, tuple[int, Envelope, str, dict[str, Any]]],
        outcomes: list[Outcome | None],
        q_rows: list[dict[str, object]],
        stored: list[StoredRecord],
        conflicts: list[AlertDraft],
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
                    continue
                # Gone between insert and look-up cannot happen (records are never deleted
                # inside a transaction); treat it as held by this sender: `id_reuse`.
                holder = Holder(*known.get(mid, ("", env.site, env.device)))
                outcomes[i] = self._repeat(batch[i], env, digest, holder, q_rows, conflicts)
            quarantine.add(conn, q_rows)
            for sink in self.record_sinks:
                sink.stage(conn, stored)
            # Rules run in the same transaction, after the inserts: they see the batch and its
            # history together, and a crash before commit leaves neither records nor alerts.
            now = self.clock.now_ms()
            opened = self.rules.apply(conn, new_envs, arrivals, self.registry, now)
            if conflicts:
                # Through commit, as every rule's alert: webhooks and the audit see it too.
                opened += commit(
                    conn, conflicts, [], self.registry.region_of, self.rules.credit, now
                )
            return opened

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


def internal_rejection(err: BaseException, attempts: int, message_id: str | None) -> Rejection:
    """The rejection of a message the cloud itself failed on, in generic words.

    The reason goes back to the sender (HTTP body, ack) and into the quarantine row: a database
    or driver error would hand out SQL, table names and other senders' values, so the error
    itself is only logged (with the message id, for the operator to match the two).
    """
    logger.error(
        "message %s quarantined as internal after %d attempt(s): %s: %s",
        message_id,
        attempts,
        type(err).__name__,
        err,
    )
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    problem = FieldProblem("message", f"the cloud failed on this message{tries}; kept for review")
    return Rejection(QuarantineReason.INTERNAL, [problem], message_id)


def _presigned(pending: PendingChecks | None, index: int, payload: bytes) -> Presigned | None:
    if pending is None:
        return None
    return lambda policy: pending.result(index, payload, policy)
