"""Lot blocks (a lot harvested / dispatched inside a window, tested positive, or from a plot
with a banned input is blocked for good) and the banned applications that block lots."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from cloud.domain import LotBlock
from cloud.store import compliance_tables as ct
from cloud.store.sql import insert_ignore
from cloud.store.timelines import rows_by_pair


def add_blocks(conn: Connection, blocks: Iterable[LotBlock], now_ms: int) -> set[tuple[str, str]]:
    """Store blocks (idempotent); return the (site, lot) pairs this call newly blocked."""
    rows = {
        (b.site, b.lot, b.reason, b.cause): {
            "site": b.site,
            "lot": b.lot,
            "reason": b.reason,
            "cause": b.cause,
            "ts_ms": b.ts_ms,
            "detail": b.detail,
            "blocked_ms": now_ms,
        }
        for b in blocks
    }
    if not rows:
        return set()
    c = ct.lot_blocks.c
    stmt = insert_ignore(conn, ct.lot_blocks, ["site", "lot", "reason", "cause"]).returning(
        c.site, c.lot
    )
    return {(r[0], r[1]) for r in conn.execute(stmt, list(rows.values())).all()}


def blocks_for(
    conn: Connection, lots: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Every block of the given lots."""
    cols = tuple(c.name for c in ct.lot_blocks.columns)
    found = rows_by_pair(conn, "lot_blocks", ("site", "lot"), cols, lots, frozenset({"detail"}))
    return {key: sorted(rows, key=lambda r: r["ts_ms"]) for key, rows in found.items()}


def add_banned_inputs(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Remember applications that used a banned input (id, site, plot, crop, ts_ms)."""
    if rows:
        conn.execute(insert_ignore(conn, ct.banned_inputs, ["id"]), rows)


def banned_by_plot(
    conn: Connection, ranges: dict[tuple[str, str], tuple[int, int]]
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Banned applications per (site, plot) with event time inside that plot's range."""
    # The table holds only banned applications (rare): select by plot, filter times here.
    cols = tuple(c.name for c in ct.banned_inputs.columns)
    return _within(rows_by_pair(conn, "banned_inputs", ("site", "plot"), cols, ranges), ranges)


def add_unchecked_inputs(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Remember applications no reference data could check (id, site, plot, ts_ms)."""
    if rows:
        conn.execute(insert_ignore(conn, ct.unchecked_inputs, ["id"]), rows)


def add_long_treatments(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Remember treatments whose window can reach far (see `long_treatments`)."""
    if rows:
        conn.execute(insert_ignore(conn, ct.long_treatments, ["id"]), rows)


def long_treatments_by_herd(
    conn: Connection, ranges: dict[tuple[str, str], tuple[int, int]]
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Long-reach treatments per (site, herd) with event time inside that herd's range."""
    cols = tuple(c.name for c in ct.long_treatments.columns)
    found = rows_by_pair(conn, "long_treatments", ("site", "herd"), cols, ranges)
    return _within(found, ranges)


def _within(
    found: dict[tuple[str, str], list[dict[str, Any]]],
    ranges: dict[tuple[str, str], tuple[int, int]],
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for key, rows in found.items():
        lo, hi = ranges[key]
        kept = [r for r in rows if lo <= r["ts_ms"] <= hi]
        if kept:
            out[key] = kept
    return out
