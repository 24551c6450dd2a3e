"""Records: accepted envelopes, stored once per id (the idempotency key)."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from agrisafe.protocol import Envelope
from agrisafe.timeutil import to_ms
from cloud.store import tables as t
from cloud.store.sql import insert_ignore

SUBJECT_KEYS = ("plot", "herd", "lot", "sample")
MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class RecordFilter:
    """Query parameters of `GET /api/v1/records`."""

    site: str | None = None
    kind: str | None = None
    device: str | None = None
    plot: str | None = None
    herd: str | None = None
    lot: str | None = None
    from_ms: int | None = None
    to_ms: int | None = None
    sites: frozenset[str] | None = None  # caller's scope; None = all


def record_row(
    env: Envelope,
    received_ms: int,
    source: str,
    digest: str,
    doc: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The table row of an accepted envelope (`doc`: its JSON dump, when already made)."""
    if doc is None:
        doc = env.model_dump(mode="json", exclude_none=True)
    body = doc.get("body") or {}
    row: dict[str, Any] = {
        "id": env.id,
        "kind": env.kind.value,
        "site": env.site,
        "device": env.device,
        "ts_ms": to_ms(env.ts),
        "received_ms": received_ms,
        "source": source,
        "content_hash": digest,
        "envelope": doc,
    }
    for key in SUBJECT_KEYS:
        value = body.get(key)
        row[key] = value if isinstance(value, str) else None
    return row


def insert_new(conn: Connection, rows: list[dict[str, Any]]) -> set[str]:
    """Insert-or-ignore; return the ids this call actually inserted."""
    if not rows:
        return set()
    stmt = insert_ignore(conn, t.records, ["id"]).returning(t.records.c.id)
    result = conn.execute(stmt, rows)
    return {r[0] for r in result.all()}


def stored_hashes(conn: Connection, ids: list[str]) -> dict[str, tuple[str, str, str]]:
    """(content_hash, site, device) of already-stored ids: what a repeat is compared with."""
    if not ids:
        return {}
    c = t.records.c
    rows = conn.execute(select(c.id, c.content_hash, c.site, c.device).where(c.id.in_(ids)))
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _where(f: RecordFilter) -> list[Any]:
    c = t.records.c
    clauses: list[Any] = []
    for col, value in (
        (c.site, f.site),
        (c.kind, f.kind),
        (c.device, f.device),
        (c.plot, f.plot),
        (c.herd, f.herd),
        (c.lot, f.lot),
    ):
        if value is not None:
            clauses.append(col == value)
    if f.from_ms is not None:
        clauses.append(c.ts_ms >= f.from_ms)
    if f.to_ms is not None:
        clauses.append(c.ts_ms < f.to_ms)
    if f.sites is not None:
        clauses.append(c.site.in_(sorted(f.sites)))
    return clauses


def query_records(
    engine: Engine, f: RecordFilter, limit: int = 100, offset: int = 0
) -> tuple[int, list[dict[str, Any]]]:
    """(total, items) newest first by event time; items are envelopes plus received_at."""
    where = _where(f)
    c = t.records.c
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(t.records).where(*where)).scalar()
        rows = conn.execute(
            select(c.envelope, c.received_ms, c.source)
            .where(*where)
            .order_by(c.ts_ms.desc(), c.id.desc())
            .limit(min(limit, MAX_PAGE))
            .offset(offset)
        )
        items = [dict(r[0]) | {"received_ms": r[1], "source": r[2]} for r in rows]
    return int(total or 0), items
