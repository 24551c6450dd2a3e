"""Credit events (each tied to an alert) and the manual blacklist flag per producer."""

from typing import Any

from sqlalchemy import Connection, func, select

from cloud.store import compliance_tables as ct
from cloud.store.sql import insert_ignore, upsert


def add_events(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Record score changes; at most one per (alert, reason)."""
    if rows:
        conn.execute(insert_ignore(conn, ct.credit_events, ["alert_id", "reason"]), rows)


def events(conn: Connection, producer: str) -> list[dict[str, Any]]:
    """Every change of a producer's score, oldest first."""
    c = ct.credit_events.c
    stmt = select(ct.credit_events).where(c.producer == producer).order_by(c.at_ms, c.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def deltas(conn: Connection, producer: str) -> list[int]:
    """The deltas alone."""
    c = ct.credit_events.c
    return [int(r[0]) for r in conn.execute(select(c.delta).where(c.producer == producer))]


def events_of_alert(conn: Connection, alert_id: str) -> list[dict[str, Any]]:
    """Score changes an alert caused."""
    c = ct.credit_events.c
    return [
        dict(r)
        for r in conn.execute(select(ct.credit_events).where(c.alert_id == alert_id)).mappings()
    ]


def manual_flag(conn: Connection, producer: str) -> dict[str, Any] | None:
    """The regulator's blacklist decision, if any."""
    c = ct.producer_status.c
    row = conn.execute(select(ct.producer_status).where(c.producer == producer)).mappings().first()
    return dict(row) if row is not None else None


def set_flag(conn: Connection, producer: str, on: bool, reason: str, by: str, now_ms: int) -> None:
    """Put a producer on (or take it off) the blacklist by hand."""
    row = {
        "producer": producer,
        "blacklisted": int(on),
        "reason": reason,
        "by": by,
        "at_ms": now_ms,
    }
    upsert(conn, ct.producer_status, [row], ["producer"])


def total(conn: Connection, producer: str) -> int:
    """Sum of a producer's deltas (one aggregate, however long the history)."""
    c = ct.credit_events.c
    value = conn.execute(
        select(func.coalesce(func.sum(c.delta), 0)).where(c.producer == producer)
    ).scalar_one()
    return int(value)


def standings(conn: Connection, producers: list[str]) -> dict[str, tuple[int, bool]]:
    """(sum of deltas, manual blacklist flag) per producer, in two queries."""
    if not producers:
        return {}
    c, f = ct.credit_events.c, ct.producer_status.c
    sums = dict(
        conn.execute(
            select(c.producer, func.sum(c.delta))
            .where(c.producer.in_(producers))
            .group_by(c.producer)
        ).all()
    )
    flags = dict(
        conn.execute(select(f.producer, f.blacklisted).where(f.producer.in_(producers))).all()
    )
    return {p: (int(sums.get(p) or 0), bool(flags.get(p))) for p in producers}
