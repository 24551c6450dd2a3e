"""`agrisafe audit verify`: walk a site's chain and name every record changed after arrival.

Findings: a record whose content no longer matches its link (edited), a link whose record is
gone (deleted), missing links (deleted with their links), a record with no link (inserted
directly, or stored before the chain existed), a head or a signed anchor that the chain no
longer matches (links rewritten) or no longer reaches (newest links removed), an anchor whose
signature is not the cloud's, an external anchor copy the database contradicts, and stretches
without anchors (cloud/chain/anchorcheck.py).
"""

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, func, select

from agrisafe.identity import VerifyKey
from cloud.chain.anchorcheck import AnchorChecks, Span, check_anchors
from cloud.chain.findings import Finding, Problem, Report
from cloud.chain.hashing import GENESIS, link_hash
from cloud.store import tables as t
from cloud.store import trust_tables as tt

__all__ = ["MAX_MS", "AnchorChecks", "Finding", "Problem", "Report", "verify_site"]

MAX_MS = 2**62


def verify_site(
    conn: Connection,
    site: str,
    cloud_key: VerifyKey | None,
    from_ms: int = 0,
    to_ms: int = MAX_MS,
    anchors: AnchorChecks | None = None,
) -> Report:
    """Verify `site`'s records that arrived in [from_ms, to_ms] against its chain and anchors."""
    report = Report(site)
    lo, hi = _seq_range(conn, site, from_ms, to_ms)
    chained: set[str] = set()
    if lo is not None and hi is not None:
        prev = GENESIS if lo == 1 else _hash_at(conn, site, lo - 1)
        # From the start of time the chain must begin at link 1: the oldest links deleted with
        # their records are as much a gap as any other.
        expected = 1 if from_ms <= 0 else lo
        for link, row in _links(conn, site, lo, hi):
            expected, prev = _check_link(report, link, row, expected, prev)
            chained.add(link["record_id"])
        _check_head(conn, report, site, hi, prev)
    _check_unlinked(conn, report, site, from_ms, to_ms, chained)
    span = Span(from_ms, to_ms, lo, hi)
    check_anchors(conn, report, cloud_key, span, anchors or AnchorChecks())
    return report


def _check_link(
    report: Report, link: dict[str, Any], row: dict[str, Any] | None, expected: int, prev: str
) -> tuple[int, str]:
    seq, rid = int(link["seq"]), str(link["record_id"])
    report.checked += 1
    if seq != expected:
        report.findings.append(
            Finding(Problem.LINKS_MISSING, None, expected, f"links {expected}..{seq - 1} are gone")
        )
        prev = "?"  # the missing links' hashes are unknown: the next link cannot be recomputed
    if row is None:
        report.findings.append(
            Finding(Problem.DELETED, rid, seq, f"record {rid} (link {seq}) was deleted")
        )
    elif prev != "?" and link_hash(prev, row) != link["hash"]:
        report.findings.append(
            Finding(Problem.EDITED, rid, seq, f"record {rid} (link {seq}) was changed")
        )
    return seq + 1, str(link["hash"])


def _check_head(conn: Connection, report: Report, site: str, hi: int, last: str) -> None:
    head = conn.execute(
        select(tt.chain_heads.c.seq, tt.chain_heads.c.hash).where(tt.chain_heads.c.site == site)
    ).first()
    if head is None or int(head.seq) < hi or (int(head.seq) == hi and head.hash != last):
        report.findings.append(
            Finding(Problem.HEAD_MISMATCH, None, hi, "the chain head does not match its last link")
        )
    elif int(head.seq) > hi and _hash_at(conn, site, int(head.seq)) != head.hash:
        report.findings.append(
            Finding(
                Problem.LINKS_MISSING,
                None,
                hi + 1,
                f"links after {hi} up to the head {head.seq} are gone or changed",
            )
        )


def _check_unlinked(
    conn: Connection, report: Report, site: str, from_ms: int, to_ms: int, chained: set[str]
) -> None:
    r, c = t.records.c, tt.record_chain.c
    stmt = (
        select(r.id, r.received_ms)
        .outerjoin(tt.record_chain, c.record_id == r.id)
        .where(r.site == site, r.received_ms.between(from_ms, to_ms), c.record_id.is_(None))
        .order_by(r.received_ms, r.id)
    )
    for rid, received in conn.execute(stmt):
        if rid in chained:  # pragma: no cover - the join already excludes them
            continue
        report.findings.append(
            Finding(
                Problem.INSERTED,
                rid,
                None,
                f"record {rid} (received_ms {received}) has no link: inserted after arrival",
            )
        )


def _seq_range(
    conn: Connection, site: str, from_ms: int, to_ms: int
) -> tuple[int | None, int | None]:
    c = tt.record_chain.c
    lo, hi = conn.execute(
        select(func.min(c.seq), func.max(c.seq)).where(
            c.site == site, c.received_ms.between(from_ms, to_ms)
        )
    ).one()
    return (int(lo), int(hi)) if lo is not None else (None, None)


def _hash_at(conn: Connection, site: str, seq: int) -> str:
    c = tt.record_chain.c
    found = conn.execute(select(c.hash).where(c.site == site, c.seq == seq)).scalar_one_or_none()
    return str(found) if found is not None else "?"


def _links(
    conn: Connection, site: str, lo: int, hi: int, page: int = 1000
) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
    c = tt.record_chain.c
    start = lo
    while start <= hi:
        links = [
            dict(m)
            for m in conn.execute(
                select(tt.record_chain)
                .where(c.site == site, c.seq >= start, c.seq <= hi)
                .order_by(c.seq)
                .limit(page)
            ).mappings()
        ]
        if not links:
            return
        ids = [str(link["record_id"]) for link in links]
        rows = {
            str(m["id"]): dict(m)
            for m in conn.execute(select(t.records).where(t.records.c.id.in_(ids))).mappings()
        }
        for link in links:
            yield link, rows.get(str(link["record_id"]))
        start = int(links[-1]["seq"]) + 1
