"""Dialect-aware statements SQLAlchemy Core leaves to each backend (upsert, insert-or-ignore)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Insert, Table
from sqlalchemy.dialects import postgresql, sqlite


def dialect_insert(conn: Connection, table: Table) -> Any:
    name = conn.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"database {name!r} is not supported (use SQLite or PostgreSQL)")


def insert_ignore(conn: Connection, table: Table, keys: Sequence[str]) -> Insert:
    """INSERT … ON CONFLICT (keys) DO NOTHING."""
    stmt: Insert = dialect_insert(conn, table).on_conflict_do_nothing(index_elements=list(keys))
    return stmt


def upsert(conn: Connection, table: Table, rows: list[dict[str, Any]], keys: Sequence[str]) -> None:
    """Insert rows, updating the non-key columns of rows that already exist."""
    if not rows:
        return
    stmt = dialect_insert(conn, table)
    cols = [c for c in rows[0] if c not in keys]
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: stmt.excluded[c] for c in cols}
    )
    conn.execute(stmt, rows)
