"""Registered webhooks and their durable delivery queue (written in the alert's transaction)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from agrisafe.protocol import Alert
from cloud.store import compliance_tables as ct


def create(conn: Connection, row: dict[str, Any]) -> None:
    """Register a webhook."""
    conn.execute(insert(ct.webhooks).values(**row))


def deactivate(conn: Connection, hook_id: str) -> bool:
    """Stop delivering to a webhook (kept for the audit trail)."""
    c = ct.webhooks.c
    result = conn.execute(
        update(ct.webhooks).where(c.id == hook_id, c.active == 1).values(active=0)
    )
    return result.rowcount == 1


def listing(conn: Connection, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    """(total, one page of webhooks), secrets left out."""
    c = ct.webhooks.c
    total = conn.execute(select(func.count()).select_from(ct.webhooks)).scalar()
    stmt = select(ct.webhooks).order_by(c.created_ms, c.id).limit(limit).offset(offset)
    rows = conn.execute(stmt).mappings()
    return int(total or 0), [{k: v for k, v in r.items() if k != "secret"} for r in rows]


def secret_of(conn: Connection, hook_id: str) -> tuple[str, str] | None:
    """(url, secret) of an active webhook."""
    c = ct.webhooks.c
    row = conn.execute(select(c.url, c.secret).where(c.id == hook_id, c.active == 1)).first()
    return (row[0], row[1]) if row is not None else None


def _wants(hook: Any, alert: Alert) -> bool:
    regions, rules = hook["regions"], hook["rules"]
    if regions is not None and alert.region not in regions:
        return False
    return rules is None or alert.rule.value in rules


def enqueue(conn: Connection, alerts: Sequence[Alert], now_ms: int) -> int:
    """Queue each alert for every matching active webhook; return the number queued."""
    if not alerts:
        return 0
    c = ct.webhooks.c
    hooks = list(conn.execute(select(ct.webhooks).where(c.active == 1)).mappings())
    rows = [
        {
            "webhook_id": h["id"],
            "alert_id": a.id,
            "payload": a.to_json().decode(),
            "status": "pending",
            "attempts": 0,
            "next_ms": now_ms,
        }
        for a in alerts
        for h in hooks
        if _wants(h, a)
    ]
    if rows:
        conn.execute(insert(ct.webhook_deliveries), rows)
    return len(rows)


def enqueue_event(conn: Connection, event_id: str, region: str, payload: str, now_ms: int) -> int:
    """Queue a non-alert event (a consultation's news) for every active webhook of its region
    that does not filter by alert rule; `event_id` takes the alert id's place."""
    c = ct.webhooks.c
    hooks = conn.execute(select(ct.webhooks).where(c.active == 1)).mappings()
    rows = [
        {
            "webhook_id": h["id"],
            "alert_id": event_id,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "next_ms": now_ms,
        }
        for h in hooks
        if h["rules"] is None and (h["regions"] is None or region in h["regions"])
    ]
    if rows:
        conn.execute(insert(ct.webhook_deliveries), rows)
    return len(rows)


def due(conn: Connection, now_ms: int, limit: int = 50) -> list[dict[str, Any]]:
    """Pending deliveries whose next attempt is due."""
    c = ct.webhook_deliveries.c
    stmt = (
        select(ct.webhook_deliveries)
        .where(c.status == "pending", c.next_ms <= now_ms)
        .order_by(c.next_ms, c.id)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def claim(conn: Connection, row: dict[str, Any], lease_until_ms: int) -> bool:
    """Take a delivery for one attempt (another dispatcher that read it too will lose)."""
    c = ct.webhook_deliveries.c
    result = conn.execute(
        update(ct.webhook_deliveries)
        .where(c.id == row["id"], c.status == "pending", c.next_ms == row["next_ms"])
        .values(next_ms=lease_until_ms, attempts=row["attempts"] + 1)
    )
    return result.rowcount == 1


def finish(conn: Connection, delivery_id: int, **values: Any) -> None:
    """Record the outcome of an attempt (status, next_ms, last_error, last_status …)."""
    c = ct.webhook_deliveries.c
    conn.execute(update(ct.webhook_deliveries).where(c.id == delivery_id).values(**values))


def deliveries(
    conn: Connection, hook_id: str, limit: int = 100, offset: int = 0
) -> tuple[int, list[dict[str, Any]]]:
    """(total, one page of a webhook's deliveries), newest first (payload left out)."""
    c = ct.webhook_deliveries.c
    where = c.webhook_id == hook_id
    total = conn.execute(select(func.count()).where(where)).scalar()
    stmt = (
        select(ct.webhook_deliveries).where(where).order_by(c.id.desc()).limit(limit).offset(offset)
    )
    rows = conn.execute(stmt).mappings()
    return int(total or 0), [{k: v for k, v in r.items() if k != "payload"} for r in rows]
