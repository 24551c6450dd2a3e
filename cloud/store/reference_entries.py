"""Admin label entries (PHI by registration number, withdrawal from a label), stored and audited."""

from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from cloud.store import compliance_tables as ct


def signature(conn: Connection) -> tuple[int, int, int]:
    """Changes whenever an entry is added or retired (count, last id, last retirement)."""
    c = ct.reference_entries.c
    row = conn.execute(
        select(
            func.count(), func.coalesce(func.max(c.id), 0), func.coalesce(func.max(c.retired_ms), 0)
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def active(conn: Connection) -> list[dict[str, Any]]:
    """Entries not retired, oldest first."""
    c = ct.reference_entries.c
    stmt = select(ct.reference_entries).where(c.retired_ms.is_(None)).order_by(c.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def add(conn: Connection, kind: str, data: dict[str, Any], by: str, now_ms: int) -> int:
    """Store an entry; return its id."""
    stmt = (
        insert(ct.reference_entries)
        .values(kind=kind, data=data, created_by=by, created_ms=now_ms)
        .returning(ct.reference_entries.c.id)
    )
    return int(conn.execute(stmt).scalar_one())


def retire(conn: Connection, entry_id: int, now_ms: int) -> bool:
    """Retire an entry (kept for the audit trail); False if unknown or already retired."""
    c = ct.reference_entries.c
    result = conn.execute(
        update(ct.reference_entries)
        .where(c.id == entry_id, c.retired_ms.is_(None))
        .values(retired_ms=now_ms)
    )
    return result.rowcount == 1
