"""Per-subject serialisation of rule evaluation across concurrent transactions (PostgreSQL).

Two workers judging a harvest and a late spray of the same plot in concurrent transactions
would not see each other's uncommitted rows, and neither would find the violation. Before
reading a timeline, the rule step takes a transaction-scoped advisory lock per subject, so the
second waits for the first to commit and then reads it. Locks are taken in two classes, always
in the same order — lots first, then plots and herds, each class sorted — so two transactions
never wait on each other in a cycle. SQLite needs none: it runs one writer at a time, and the
ingest transaction writes before it reads.
"""

import hashlib
from collections.abc import Iterable

from sqlalchemy import Connection


def key_of(kind: str, site: str, subject: str) -> int:
    """A stable signed 64-bit advisory-lock key for (kind, site, subject)."""
    digest = hashlib.blake2b(f"{kind}|{site}|{subject}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def needed(conn: Connection) -> bool:
    """Whether this database needs the locks (SQLite serialises writers by itself)."""
    return bool(conn.dialect.name == "postgresql")


def lock(conn: Connection, keys: Iterable[int]) -> None:
    """Take the advisory locks (held until the transaction ends), in sorted order."""
    ordered = sorted(set(keys))
    if not ordered or conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql(
        "SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(%s::bigint[]) AS k ORDER BY 1) s",
        (ordered,),
    )
