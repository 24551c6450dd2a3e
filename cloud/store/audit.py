"""The audit trail: who did what, when and why (alert lifecycle, tokens, reference, blacklist)."""

from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from cloud.store import compliance_tables as ct

SYSTEM = "system"


def record(
    conn: Connection,
    *,
    actor: str,
    role: str,
    action: str,
    target: str,
    detail: dict[str, Any],
    now_ms: int,
) -> None:
    """Append one entry (never updated, never deleted)."""
    conn.execute(
        insert(ct.audit).values(
            at_ms=now_ms, actor=actor, role=role, action=action, target=target, detail=detail
        )
    )


def for_target(conn: Connection, target: str) -> list[dict[str, Any]]:
    """Entries about one target (e.g. `alert:<id>`), oldest first."""
    c = ct.audit.c
    stmt = select(ct.audit).where(c.target == target).order_by(c.at_ms, c.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def query(engine: Engine, limit: int = 100, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """(total, entries) newest first."""
    c = ct.audit.c
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(ct.audit)).scalar()
        rows = conn.execute(
            select(ct.audit).order_by(c.id.desc()).limit(limit).offset(offset)
        ).mappings()
        return int(total or 0), [dict(r) for r in rows]
