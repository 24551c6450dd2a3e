"""Queries of consultation cases and their threads (cloud/store/consult_tables.py)."""

from typing import Any

from sqlalchemy import ColumnElement, Connection, func, insert, select, update

from cloud.store.consult_tables import consult_cases, consult_messages


def _plain(row: Any) -> dict[str, Any]:
    # Column names come back as `quoted_name` (a str subclass): plain str keys serialise anywhere.
    return {str(k): v for k, v in row.items()}


def insert_case(conn: Connection, row: dict[str, Any]) -> None:
    """Store a new case."""
    conn.execute(insert(consult_cases).values(**row))


def get_case(conn: Connection, case_id: str) -> dict[str, Any] | None:
    """One case, without its thread."""
    row = conn.execute(select(consult_cases).where(consult_cases.c.id == case_id)).mappings()
    found = row.first()
    return _plain(found) if found is not None else None


def list_cases(
    conn: Connection,
    *,
    regions: frozenset[str] | None,
    sites: frozenset[str] | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[int, list[dict[str, Any]]]:
    """(total, one page of cases) in scope, most recently updated first."""
    c = consult_cases.c
    where: list[ColumnElement[bool]] = []
    if regions is not None:
        where.append(c.region.in_(sorted(regions)))
    if sites is not None:
        where.append(c.site.in_(sorted(sites)))
    if status is not None:
        where.append(c.status == status)
    total = conn.execute(select(func.count()).select_from(consult_cases).where(*where)).scalar()
    stmt = (
        select(consult_cases)
        .where(*where)
        .order_by(c.updated_ms.desc(), c.id)
        .limit(limit)
        .offset(offset)
    )
    return int(total or 0), [_plain(r) for r in conn.execute(stmt).mappings()]


def changed_since(
    conn: Connection,
    since_ms: int,
    regions: frozenset[str] | None,
    sites: frozenset[str] | None,
) -> list[dict[str, Any]]:
    """Cases in scope updated after `since_ms`, oldest change first (for the live stream)."""
    c = consult_cases.c
    where: list[ColumnElement[bool]] = [c.updated_ms > since_ms]
    if regions is not None:
        where.append(c.region.in_(sorted(regions)))
    if sites is not None:
        where.append(c.site.in_(sorted(sites)))
    stmt = select(consult_cases).where(*where).order_by(c.updated_ms, c.id).limit(200)
    return [_plain(r) for r in conn.execute(stmt).mappings()]


def add_message(conn: Connection, row: dict[str, Any]) -> int:
    """Append a message to a case's thread; its id."""
    result = conn.execute(insert(consult_messages).values(**row))
    key = result.inserted_primary_key
    return int(key[0]) if key is not None else 0


def thread(conn: Connection, case_id: str) -> list[dict[str, Any]]:
    """The case's messages, oldest first."""
    c = consult_messages.c
    stmt = select(consult_messages).where(c.case_id == case_id).order_by(c.id)
    return [_plain(r) for r in conn.execute(stmt).mappings()]


def set_status(conn: Connection, case_id: str, status: str, now_ms: int) -> None:
    """Move a case to `status` (and mark it updated)."""
    conn.execute(
        update(consult_cases)
        .where(consult_cases.c.id == case_id)
        .values(status=status, updated_ms=now_ms)
    )


def touch(conn: Connection, case_id: str, now_ms: int) -> None:
    """Mark a case updated (a new message) without changing its status."""
    conn.execute(
        update(consult_cases).where(consult_cases.c.id == case_id).values(updated_ms=now_ms)
    )
