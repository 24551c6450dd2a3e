"""Batched timeline queries for the rules: one statement per kind per chunk of subjects.

A batch of new messages touches a few plots, herds and lots; their history is read with one
query per record kind (OR of per-subject time ranges, chunked), never one per message, and only
inside the windows the rules can reach, so memory does not grow with the history's size.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from sqlalchemy import Connection, Text, and_, cast, or_, select, text, type_coerce

from cloud.store import tables as t

CHUNK = 200
Key = tuple[str, str]  # (site, plot | herd | lot)
Row = tuple[str, int, dict[str, Any]]  # (kind, ts_ms, envelope)


def _envelope(conn: Connection) -> Any:
    # Read the JSON as text and decode it with orjson: several times faster than the driver's
    # generic JSON handling, and identical on SQLite (TEXT) and PostgreSQL (JSONB → ::text).
    c = t.records.c.envelope
    return cast(c, Text) if conn.dialect.name == "postgresql" else type_coerce(c, Text)


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def by_subject(
    conn: Connection, kind: str, column: str, ranges: Mapping[Key, tuple[int, int]]
) -> dict[Key, list[Row]]:
    """Records of `kind` per (site, subject) with event time inside that subject's range."""
    c = t.records.c
    col = c[column]
    out: dict[Key, list[Row]] = defaultdict(list)
    # The kind as a literal, so the partial indexes (input_use, treatment) apply.
    kind_clause = text(f"records.kind = '{kind}'")
    assert kind.isidentifier()
    for chunk in _chunks(sorted(ranges.items())):
        terms = [
            and_(c.site == site, col == key, c.ts_ms >= lo, c.ts_ms <= hi)
            for (site, key), (lo, hi) in chunk
        ]
        stmt = select(c.site, col, c.ts_ms, _envelope(conn)).where(kind_clause, or_(*terms))
        for site, key, ts_ms, raw in conn.execute(stmt):
            out[(site, key)].append((kind, ts_ms, orjson.loads(raw)))
    return out


def by_lot(conn: Connection, kinds: Iterable[str], lots: Iterable[Key]) -> dict[Key, list[Row]]:
    """Records of the given kinds per (site, lot)."""
    c = t.records.c
    out: dict[Key, list[Row]] = defaultdict(list)
    for chunk in _chunks(sorted(set(lots))):
        terms = [and_(c.site == site, c.lot == lot) for site, lot in chunk]
        stmt = select(c.kind, c.site, c.lot, c.ts_ms, _envelope(conn)).where(
            c.kind.in_(sorted(kinds)), or_(*terms)
        )
        for kind, site, lot, ts_ms, raw in conn.execute(stmt):
            out[(site, lot)].append((kind, ts_ms, orjson.loads(raw)))
    return out
