"""Switches set through the API (e.g. `bootstrap_disabled`), kept in `api_flags`."""

from sqlalchemy import Connection, select

from cloud.store import api_tables as at
from cloud.store.sql import upsert

BOOTSTRAP_DISABLED = "bootstrap_disabled"


def get(conn: Connection, name: str) -> str | None:
    """The flag's value, or None when unset."""
    c = at.api_flags.c
    return conn.execute(select(c.value).where(c.name == name)).scalar_one_or_none()


def put(conn: Connection, name: str, value: str, set_by: str, now_ms: int) -> None:
    """Set a flag (replacing an earlier value)."""
    row = {"name": name, "value": value, "set_by": set_by, "set_ms": now_ms}
    upsert(conn, at.api_flags, [row], ["name"])
