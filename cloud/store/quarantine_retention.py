"""Quarantine retention: rejected messages are kept for a while and up to a count, not forever."""

from sqlalchemy import Connection, delete, select

from cloud.store import tables as t


def purge(conn: Connection, *, older_than_ms: int, keep_rows: int) -> int:
    """Delete rejected messages received before `older_than_ms`, then all but the newest
    `keep_rows`; return how many rows went."""
    q = t.quarantine.c
    gone = conn.execute(delete(t.quarantine).where(q.received_ms < older_than_ms)).rowcount
    # Ids grow with arrival: the keep_rows-th newest id is the cut.
    cut = conn.execute(
        select(q.id).order_by(q.id.desc()).offset(keep_rows).limit(1)
    ).scalar_one_or_none()
    if cut is not None:
        gone += conn.execute(delete(t.quarantine).where(q.id <= cut)).rowcount
    return int(gone)
