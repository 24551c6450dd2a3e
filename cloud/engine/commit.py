"""Turning rule output into stored alerts, in the caller's transaction: open or add evidence,
resolve what a rule closes by itself, charge credit, queue webhooks, write the audit trail."""

from collections.abc import Callable

from sqlalchemy import Connection, update

from agrisafe.protocol import Alert
from cloud.credit import ledger
from cloud.credit.policy import CreditPolicy
from cloud.domain import AlertDraft, Resolution
from cloud.store import alerts as alert_store
from cloud.store import audit, webhooks
from cloud.store import tables as t


def _resolve(conn: Connection, res: Resolution, now_ms: int) -> None:
    row = alert_store.open_row_by_key(conn, res.dedupe_key)
    if row is None:
        return  # resolved by a person already
    if alert_store.resolve(conn, row["id"], audit.SYSTEM, res.reason, now_ms).value != "done":
        return
    evidence = list(row["evidence"])
    merged = evidence + [e for e in res.evidence if e not in evidence]
    if merged != evidence:
        conn.execute(update(t.alerts).where(t.alerts.c.id == row["id"]).values(evidence=merged))
    audit.record(
        conn,
        actor=audit.SYSTEM,
        role="system",
        action="alert.resolve",
        target=f"alert:{row['id']}",
        detail={"reason": res.reason, "evidence": list(res.evidence)},
        now_ms=now_ms,
    )
    ledger.compensate(conn, row, res.reason, now_ms)


def commit(
    conn: Connection,
    drafts: list[AlertDraft],
    resolutions: list[Resolution],
    region_of: Callable[[str], str],
    policy: CreditPolicy,
    now_ms: int,
) -> list[Alert]:
    """Store the outcome of a batch (or a timer tick); return the alerts opened."""
    opened = alert_store.raise_drafts(conn, drafts, region_of, now_ms) if drafts else []
    for res in resolutions:
        _resolve(conn, res, now_ms)
    if opened:
        ledger.on_opened(conn, opened, policy, now_ms)
        webhooks.enqueue(conn, opened, now_ms)
    return opened
