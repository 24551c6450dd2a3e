"""Lot blocks (a lot harvested / dispatched inside a window, tested positive, or from a plot
with a banned input is blocked for good) and the banned applications that block lots."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select, tuple_

from cloud.rules.types import LotBlock
from cloud.store import compliance_tables as ct
from cloud.store.sql import insert_ignore


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
    pairs = sorted(set(lots))
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    if not pairs:
        return out
    c = ct.lot_blocks.c
    stmt = select(ct.lot_blocks).where(tuple_(c.site, c.lot).in_(pairs)).order_by(c.ts_ms)
    for r in conn.execute(stmt).mappings():
        out.setdefault((r["site"], r["lot"]), []).append(dict(r))
    return out


def add_banned_inputs(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Remember applications that used a banned input (id, site, plot, crop, ts_ms)."""
    if rows:
        conn.execute(insert_ignore(conn, ct.banned_inputs, ["id"]), rows)


def banned_inputs_before(
    conn: Connection, site: str, plot: str, lo_ms: int, hi_ms: int
) -> list[dict[str, Any]]:
    """Banned applications on a plot with event time in [lo, hi]."""
    c = ct.banned_inputs.c
    stmt = select(ct.banned_inputs).where(
        c.site == site, c.plot == plot, c.ts_ms >= lo_ms, c.ts_ms <= hi_ms
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def banned_by_plot(
    conn: Connection, ranges: dict[tuple[str, str], tuple[int, int]]
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Banned applications per (site, plot) with event time inside that plot's range."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    if not ranges:
        return out
    c = ct.banned_inputs.c
    # The table holds only banned applications (rare): select by plot, filter times here.
    stmt = select(ct.banned_inputs).where(tuple_(c.site, c.plot).in_(sorted(ranges)))
    for r in conn.execute(stmt).mappings():
        lo, hi = ranges[(r["site"], r["plot"])]
        if lo <= r["ts_ms"] <= hi:
            out.setdefault((r["site"], r["plot"]), []).append(dict(r))
    return out


def add_long_treatments(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Remember treatments whose window can reach far (see `long_treatments`)."""
    if rows:
        conn.execute(insert_ignore(conn, ct.long_treatments, ["id"]), rows)


def long_treatments_by_herd(
    conn: Connection, ranges: dict[tuple[str, str], tuple[int, int]]
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Long-reach treatments per (site, herd) with event time inside that herd's range."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    if not ranges:
        return out
    c = ct.long_treatments.c
    stmt = select(ct.long_treatments).where(tuple_(c.site, c.herd).in_(sorted(ranges)))
    for r in conn.execute(stmt).mappings():
        lo, hi = ranges[(r["site"], r["herd"])]
        if lo <= r["ts_ms"] <= hi:
            out.setdefault((r["site"], r["herd"]), []).append(dict(r))
    return out
