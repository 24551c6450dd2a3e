"""Rule timers (unrecorded_spraying): armed by an activity end, fired when the clock passes."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select, text, tuple_, update

from cloud.store import compliance_tables as ct
from cloud.store import tables as t
from cloud.store.sql import insert_ignore
from cloud.store.timelines import Row, by_subject


def arm(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Store new timers (idempotent on the activity end's id)."""
    if rows:
        conn.execute(insert_ignore(conn, ct.timers, ["id"]), rows)


def due(conn: Connection, now_ms: int, limit: int = 500) -> list[dict[str, Any]]:
    """Pending timers the clock has passed (due < now), earliest first."""
    c = ct.timers.c
    stmt = (
        select(ct.timers)
        .where(c.status == "pending", c.due_ms < now_ms)
        .order_by(c.due_ms, c.id)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def settle(conn: Connection, timer_id: str, status: str, **values: Any) -> bool:
    """pending → covered / fired; False if another worker settled it first."""
    c = ct.timers.c
    result = conn.execute(
        update(ct.timers)
        .where(c.id == timer_id, c.status == "pending")
        .values(status=status, **values)
    )
    return result.rowcount == 1


def fired_on(conn: Connection, plots: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """Fired timers (their alert may be resolved by a late record) on these plots."""
    pairs = sorted(set(plots))
    if not pairs:
        return []
    c = ct.timers.c
    stmt = select(ct.timers).where(c.status == "fired", tuple_(c.site, c.plot).in_(pairs))
    return [dict(r) for r in conn.execute(stmt).mappings()]


def mark_late_record(conn: Connection, timer_id: str) -> None:
    """fired → late_record (the input_use turned up after the alert)."""
    c = ct.timers.c
    conn.execute(
        update(ct.timers).where(c.id == timer_id, c.status == "fired").values(status="late_record")
    )


def activities(conn: Connection, site: str, plot: str, lo_ms: int, hi_ms: int) -> list[Row]:
    """Activity records on a plot with event time in [lo, hi] (to find a track's start)."""
    return by_subject(conn, "activity", "plot", {(site, plot): (lo_ms, hi_ms)}).get(
        (site, plot), []
    )


def input_times(conn: Connection, site: str, plot: str, lo_ms: int, hi_ms: int) -> list[int]:
    """Event times of input_use records on a plot in [lo, hi]."""
    c = t.records.c
    stmt = select(c.ts_ms).where(
        text("records.kind = 'input_use'"),
        c.site == site,
        c.plot == plot,
        c.ts_ms >= lo_ms,
        c.ts_ms <= hi_ms,
    )
    return [int(r[0]) for r in conn.execute(stmt)]
