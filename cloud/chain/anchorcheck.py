"""Anchor checks of `audit verify`: every signed anchor against the chain, the database's anchors
against an external copy, and the anchor cadence.

An anchor only protects what it still names: one whose link is gone (the newest records deleted
with their links, the head pointed back) is a finding, never skipped; one deleted from the
database is found through the external copy (cloud/chain/anchorlog.py) or, past a day, through
the gap it leaves in the daily cadence.
"""

import base64
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from sqlalchemy import Connection, func, select

from agrisafe.identity import VerifyKey
from agrisafe.timeutil import Clock
from cloud.chain.anchor import Anchor
from cloud.chain.anchorlog import Damage
from cloud.chain.findings import Finding, Problem, Report
from cloud.chain.hashing import anchor_document
from cloud.store import trust_tables as tt

DAY_MS = 86_400_000
# A day between anchors, the worker's default check interval (600 s) and an hour of slack.
DEFAULT_MAX_GAP_MS = DAY_MS + 600_000 + 3_600_000


@dataclass(frozen=True, slots=True)
class AnchorChecks:
    """How anchors are checked: an external copy (None: none given), now, the longest gap, and
    the lines of the copy that hold no anchor (each one a finding)."""

    external: Sequence[Anchor] | None = None
    now_ms: int | None = None
    max_gap_ms: int = DEFAULT_MAX_GAP_MS
    damaged: Sequence[Damage] = ()


@dataclass(frozen=True, slots=True)
class Span:
    """The verified range: arrivals [from_ms, to_ms] and the links they cover (lo..hi)."""

    from_ms: int
    to_ms: int
    lo: int | None
    hi: int | None


def check_anchors(
    conn: Connection, report: Report, cloud_key: VerifyKey | None, span: Span, how: AnchorChecks
) -> None:
    """Add every anchor finding for `report.site` to `report`."""
    site = report.site
    stored = _stored(conn, site)
    theirs = [a for a in how.external or () if a.site == site]
    # A damaged line names no site it could be left out of: every site's report carries it.
    report.findings.extend(
        Finding(Problem.ANCHOR_LOG_DAMAGED, None, None, f"{d}: skipped, the other lines checked")
        for d in how.damaged
    )
    if how.external is not None:
        report.findings.extend(compare_copies(stored, theirs))
    c = tt.record_chain.c
    last, first_ms = conn.execute(
        select(func.max(c.seq), func.min(c.received_ms)).where(c.site == site)
    ).one()
    valid: list[int] = []
    for anchor in distinct([*stored, *theirs]):
        if cloud_key is not None and not anchor_signed(anchor, cloud_key):
            report.findings.append(
                Finding(
                    Problem.ANCHOR_SIGNATURE,
                    None,
                    anchor.seq,
                    f"anchor of {anchor.day} is not signed by the cloud key",
                )
            )
            continue
        valid.append(anchor.anchored_ms)
        _check_one(conn, report, anchor, span, int(last or 0))
    if first_ms is not None:
        now = how.now_ms if how.now_ms is not None else Clock().now_ms()
        gaps = anchor_gaps(valid, int(first_ms), now, how.max_gap_ms)
        report.findings.extend(
            _gap(start, end, how.max_gap_ms)
            for start, end in gaps
            if end >= span.from_ms and start <= span.to_ms
        )


def _check_one(conn: Connection, report: Report, anchor: Anchor, span: Span, last: int) -> None:
    if anchor.seq > last:
        report.anchors += 1
        report.findings.append(
            Finding(
                Problem.CHAIN_TRUNCATED,
                None,
                anchor.seq,
                f"the anchor of {anchor.day} signed link {anchor.seq}, but the chain ends at "
                f"{last}: the newest links were removed",
            )
        )
        return
    if span.lo is not None and span.hi is not None and not span.lo <= anchor.seq <= span.hi:
        return  # a link outside the range asked for; its own range checks it
    report.anchors += 1
    c = tt.record_chain.c
    stored = conn.execute(
        select(c.hash).where(c.site == anchor.site, c.seq == anchor.seq)
    ).scalar_one_or_none()
    if stored != anchor.hash:
        report.findings.append(
            Finding(
                Problem.ANCHOR_MISMATCH,
                None,
                anchor.seq,
                f"links up to {anchor.seq} were rewritten after the anchor of {anchor.day}",
            )
        )


def compare_copies(stored: Sequence[Anchor], theirs: Sequence[Anchor]) -> list[Finding]:
    """Findings for anchors of an external copy that the database lacks or holds otherwise.

    Several copies of one site and day are accepted when the database holds one of them: a
    round whose commit failed after its log write is signed again, and both are genuine.
    """
    by_day = {(a.site, a.day): a for a in stored}
    copies: dict[tuple[str, str], list[Anchor]] = defaultdict(list)
    for anchor in theirs:
        copies[(anchor.site, anchor.day)].append(anchor)
    out: list[Finding] = []
    for (site, day), mine in sorted(copies.items()):
        db = by_day.get((site, day))
        if db is None:
            seqs = ", ".join(str(a.seq) for a in mine)
            out.append(
                Finding(
                    Problem.ANCHOR_MISSING,
                    None,
                    mine[0].seq,
                    f"the anchor of {site} {day} (link {seqs}) in the anchor file is not in "
                    "the database: deleted",
                )
            )
        elif db not in mine:
            out.append(
                Finding(
                    Problem.ANCHOR_DIFFERS,
                    None,
                    db.seq,
                    f"the database's anchor of {site} {day} (link {db.seq}) is not the one in "
                    f"the anchor file (link {mine[0].seq}): replaced",
                )
            )
    return out


def anchor_gaps(
    anchored: Iterable[int], first_ms: int, now_ms: int, max_gap_ms: int
) -> list[tuple[int, int]]:
    """Stretches (start, end) from the first record to now longer than `max_gap_ms` without an
    anchor. An anchor is expected within `max_gap_ms` of the first record, of each other and of
    now."""
    gaps: list[tuple[int, int]] = []
    prev = first_ms
    for at in sorted(anchored):
        if at <= prev:
            continue  # before the first record (or a duplicate time): covers nothing new
        if at > now_ms:
            break
        if at - prev > max_gap_ms:
            gaps.append((prev, at))
        prev = at
    if now_ms - prev > max_gap_ms:
        gaps.append((prev, now_ms))
    return gaps


def distinct(anchors: Iterable[Anchor]) -> list[Anchor]:
    """Each anchor once (the database's row and its copy in the file are one anchor)."""
    return list(dict.fromkeys(anchors))


def anchor_signed(anchor: Anchor, key: VerifyKey) -> bool:
    """True when `anchor` carries the cloud key's signature over its own fields."""
    doc = anchor_document(anchor.site, anchor.day, anchor.seq, anchor.hash, anchor.anchored_ms)
    value = anchor.signature
    try:
        key.verify(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), doc)
    except (InvalidSignature, ValueError):
        return False
    return True


def _stored(conn: Connection, site: str) -> list[Anchor]:
    a = tt.chain_anchors.c
    rows = conn.execute(select(tt.chain_anchors).where(a.site == site).order_by(a.day))
    return [
        Anchor(
            site=str(m["site"]),
            day=str(m["day"]),
            seq=int(m["seq"]),
            hash=str(m["hash"]),
            anchored_ms=int(m["anchored_ms"]),
            key_id=str(m["key_id"]),
            signature=str(m["signature"]),
        )
        for m in rows.mappings()
    ]


def _gap(start: int, end: int, max_gap_ms: int) -> Finding:
    hours = (end - start) / 3_600_000
    return Finding(
        Problem.ANCHOR_GAP,
        None,
        None,
        f"no valid anchor from {_iso(start)} to {_iso(end)} ({hours:.1f} h; at most "
        f"{max_gap_ms / 3_600_000:.1f} h expected): anchors deleted, or the cloud did not anchor",
    )


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")
