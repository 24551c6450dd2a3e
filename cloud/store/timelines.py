"""Batched timeline queries for the rules: one statement per record kind per batch.

A batch of new messages touches some plots, herds and lots; their history is read with one
statement per kind — a VALUES list of (site, subject, from, to) joined to `records` through the
(partial) indexes — never one per message, and only inside the windows the rules can reach, so
memory does not grow with the history's size. The SQL is written for the driver directly: this
is the hot path of rule evaluation, and expression building would cost more than the query.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson
from sqlalchemy import Connection

CHUNK = 500
Key = tuple[str, str]  # (site, plot | herd | lot)
Row = tuple[str, int, dict[str, Any]]  # (kind, ts_ms, envelope)
KINDS = frozenset(
    {
        "input_use",
        "harvest",
        "treatment",
        "dispatch",
        "certificate_request",
        "rapid_test",
        "activity",
    }
)
SUBJECTS = frozenset({"plot", "herd", "lot"})


def _placeholder(conn: Connection) -> str:
    return "%s" if conn.dialect.name == "postgresql" else "?"


def _envelope(conn: Connection) -> str:
    # Decoded with orjson here: several times faster than the drivers' generic JSON handling.
    return "r.envelope::text" if conn.dialect.name == "postgresql" else "r.envelope"


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def by_subject(
    conn: Connection,
    kind: str,
    column: str,
    ranges: Mapping[Key, tuple[int, int]],
    skip: frozenset[str] = frozenset(),
) -> dict[Key, list[Row]]:
    """Records of `kind` per (site, subject) with event time inside that subject's range
    (records whose id is in `skip` — already known to the caller — are not decoded)."""
    if kind not in KINDS or column not in SUBJECTS:
        raise ValueError(f"unsupported timeline query: {kind} by {column}")
    # The kind is a literal so the partial indexes (input_use, treatment) apply.
    join = (
        f"JOIN records r ON r.site = q.site AND r.{column} = q.subject "
        f"AND r.ts_ms >= q.lo AND r.ts_ms <= q.hi WHERE r.kind = '{kind}'"
    )
    return _in_ranges(conn, kind, column, join, ranges, skip)


def unchecked_by_plot(
    conn: Connection, ranges: Mapping[Key, tuple[int, int]], skip: frozenset[str] = frozenset()
) -> dict[Key, list[Row]]:
    """The input_use records listed in `unchecked_inputs` per (site, plot) inside that plot's
    range: the few a far look-back needs, instead of every application of the plot."""
    join = (
        "JOIN unchecked_inputs u ON u.site = q.site AND u.plot = q.subject "
        "AND u.ts_ms >= q.lo AND u.ts_ms <= q.hi JOIN records r ON r.id = u.id"
    )
    return _in_ranges(conn, "input_use", "plot", join, ranges, skip)


def _in_ranges(
    conn: Connection,
    kind: str,
    column: str,
    join: str,
    ranges: Mapping[Key, tuple[int, int]],
    skip: frozenset[str],
) -> dict[Key, list[Row]]:
    """Rows `join` finds for a VALUES list q(site, subject, lo, hi) of the ranges, chunked."""
    ph = _placeholder(conn)
    out: dict[Key, list[Row]] = defaultdict(list)
    for chunk in _chunks(sorted(ranges.items())):
        values = ", ".join(
            f"({ph}, {ph}, CAST({ph} AS BIGINT), CAST({ph} AS BIGINT))" for _ in chunk
        )
        sql = (
            f"WITH q(site, subject, lo, hi) AS (VALUES {values}) "  # noqa: S608 - fixed names
            f"SELECT r.id, r.site, r.{column}, r.ts_ms, {_envelope(conn)} FROM q {join}"
        )
        params = tuple(v for (site, key), (lo, hi) in chunk for v in (site, key, lo, hi))
        for rid, site, key, ts_ms, raw in conn.exec_driver_sql(sql, params).all():
            if rid not in skip:
                out[(site, key)].append((kind, ts_ms, orjson.loads(raw)))
    return out


def by_lot(conn: Connection, kinds: Iterable[str], lots: Iterable[Key]) -> dict[Key, list[Row]]:
    """Records of the given kinds per (site, lot)."""
    wanted = sorted(set(kinds))
    if not set(wanted) <= KINDS:
        raise ValueError(f"unsupported kinds: {wanted}")
    ph = _placeholder(conn)
    kind_list = ", ".join(f"'{k}'" for k in wanted)
    out: dict[Key, list[Row]] = defaultdict(list)
    for chunk in _chunks(sorted(set(lots))):
        values = ", ".join(f"({ph}, {ph})" for _ in chunk)
        sql = (
            f"WITH q(site, lot) AS (VALUES {values}) "  # noqa: S608 - kinds checked above
            f"SELECT r.kind, r.site, r.lot, r.ts_ms, {_envelope(conn)} FROM q "
            f"JOIN records r ON r.site = q.site AND r.lot = q.lot WHERE r.kind IN ({kind_list})"
        )
        params = tuple(v for pair in chunk for v in pair)
        for kind, site, lot, ts_ms, raw in conn.exec_driver_sql(sql, params).all():
            out[(site, lot)].append((kind, ts_ms, orjson.loads(raw)))
    return out


def rows_by_pair(
    conn: Connection,
    table: str,
    pair: tuple[str, str],
    columns: tuple[str, ...],
    keys: Iterable[Key],
    json_columns: frozenset[str] = frozenset(),
) -> dict[Key, list[dict[str, Any]]]:
    """Rows of a side table per (site, subject) pair, by one VALUES join per chunk.

    For the small side tables the rules consult (lot blocks, banned inputs, long treatments):
    an expanding tuple IN built through the expression layer costs more than the query.
    """
    if table not in _PAIR_TABLES or not set(pair) | set(columns) <= _PAIR_TABLES[table]:
        raise ValueError(f"unsupported side-table query: {table} {pair} {columns}")
    ph = _placeholder(conn)
    cast = "::text" if conn.dialect.name == "postgresql" else ""
    selected = ", ".join(f"t.{c}{cast if c in json_columns else ''}" for c in columns)
    out: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    for chunk in _chunks(sorted(set(keys))):
        values = ", ".join(f"({ph}, {ph})" for _ in chunk)
        sql = (
            f"WITH q(a, b) AS (VALUES {values}) "  # noqa: S608 - names checked above
            f"SELECT t.{pair[0]}, t.{pair[1]}, {selected} FROM q "
            f"JOIN {table} t ON t.{pair[0]} = q.a AND t.{pair[1]} = q.b"
        )
        params = tuple(v for key in chunk for v in key)
        for row in conn.exec_driver_sql(sql, params).all():
            item = dict(zip(columns, row[2:], strict=True))
            for c in json_columns:
                if isinstance(item[c], str | bytes):
                    item[c] = orjson.loads(item[c])
            out[(row[0], row[1])].append(item)
    return out


_PAIR_TABLES: dict[str, frozenset[str]] = {
    "lot_blocks": frozenset({"site", "lot", "reason", "cause", "ts_ms", "detail", "blocked_ms"}),
    "banned_inputs": frozenset({"id", "site", "plot", "crop", "ts_ms"}),
    "long_treatments": frozenset(
        {"id", "site", "herd", "species", "drug", "water_temp_c", "ts_ms", "ts"}
    ),
}
