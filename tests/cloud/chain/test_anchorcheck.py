"""Anchors against the chain, an external copy and the cadence, on SQLite and PostgreSQL.

Records arrive through the real ingest service; tampering is plain SQL on the same database,
by someone who holds no cloud key (a DBA, an SQL injection). The external copy is the anchor log
the anchor round wrote (cloud/chain/anchorlog.py), read back as a regulator would hold it.
"""

from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, delete, select, update

from agrisafe.identity import generate_signing_key
from agrisafe.timeutil import Clock
from cloud.chain.anchor import Anchor, anchor_sites
from cloud.chain.anchorcheck import DAY_MS, AnchorChecks, anchor_gaps, compare_copies
from cloud.chain.anchorlog import AnchorLog, read_anchor_file
from cloud.chain.hashing import GENESIS, link_hash
from cloud.chain.verify import Problem, Report, verify_site
from cloud.ingest.service import IngestService
from cloud.store import tables as t
from cloud.store import trust_tables as tt
from testkit.trust_keys import SITE

KEY = generate_signing_key()
HOUR = 3_600_000
Ingest = Callable[[int], list[str]]  # the `ingest` fixture (conftest.py)


def _verify(engine: Engine, how: AnchorChecks | None = None) -> Report:
    with engine.connect() as conn:
        return verify_site(conn, SITE, KEY.public_key(), anchors=how)


def _problems(report: Report) -> set[Problem]:
    return {f.problem for f in report.findings}


def _rechain(conn: Connection) -> None:
    """Recompute every link and the head from the records as they are now, renumbering."""
    c = tt.record_chain.c
    prev, seq = GENESIS, 0
    for link in list(conn.execute(select(tt.record_chain).order_by(c.seq)).mappings()):
        seq += 1
        row = conn.execute(select(t.records).where(t.records.c.id == link["record_id"]))
        prev = link_hash(prev, dict(row.mappings().one()))
        conn.execute(update(tt.record_chain).where(c.seq == link["seq"]).values(seq=seq, hash=prev))
    conn.execute(update(tt.chain_heads).values(seq=seq, hash=prev))


def test_anchor_past_the_chains_end_is_truncation(service: IngestService, ingest: Ingest) -> None:
    ids = ingest(6)
    anchor_sites(service.engine, KEY, Clock().now_ms())
    # The newest three records go with their links and the head is pointed back: the chain that
    # is left is consistent, but the signed anchor names link 6.
    with service.engine.begin() as conn:
        conn.execute(delete(t.records).where(t.records.c.id.in_(ids[3:])))
        conn.execute(delete(tt.record_chain).where(tt.record_chain.c.record_id.in_(ids[3:])))
        h = conn.execute(select(tt.record_chain.c.hash).where(tt.record_chain.c.seq == 3))
        conn.execute(update(tt.chain_heads).values(seq=3, hash=h.scalar_one()))
    report = _verify(service.engine)
    assert _problems(report) == {Problem.CHAIN_TRUNCATED}
    assert report.findings[0].seq == 6


def test_truncation_is_reported_whatever_range_is_asked(
    service: IngestService, ingest: Ingest
) -> None:
    ids = ingest(4)
    anchor_sites(service.engine, KEY, Clock().now_ms())
    with service.engine.begin() as conn:
        conn.execute(delete(t.records).where(t.records.c.id.in_(ids[2:])))
        conn.execute(delete(tt.record_chain).where(tt.record_chain.c.record_id.in_(ids[2:])))
        _rechain(conn)
    with service.engine.connect() as conn:
        report = verify_site(conn, SITE, KEY.public_key(), 0, Clock().now_ms() - 3_600_000)
    assert _problems(report) == {Problem.CHAIN_TRUNCATED}


def test_oldest_links_deleted_are_missing(service: IngestService, ingest: Ingest) -> None:
    ids = ingest(4)
    with service.engine.begin() as conn:
        conn.execute(delete(t.records).where(t.records.c.id.in_(ids[:2])))
        conn.execute(delete(tt.record_chain).where(tt.record_chain.c.record_id.in_(ids[:2])))
    report = _verify(service.engine)
    assert _problems(report) == {Problem.LINKS_MISSING}
    assert report.findings[0].seq == 1


def test_rewrite_with_anchors_deleted_and_resigned_is_caught_by_the_log(
    service: IngestService, ingest: Ingest, tmp_path: Path
) -> None:
    ids = ingest(5)
    log = AnchorLog(tmp_path / "anchors.jsonl")
    anchor_sites(service.engine, KEY, Clock().now_ms(), log)
    with service.engine.begin() as conn:
        conn.execute(update(t.records).where(t.records.c.id == ids[1]).values(lot="L-FORGED"))
        _rechain(conn)
        conn.execute(delete(tt.chain_anchors))
    external = read_anchor_file(log.path).anchors
    assert _problems(_verify(service.engine, AnchorChecks(external))) == {
        Problem.ANCHOR_MISSING,
        Problem.ANCHOR_MISMATCH,
    }
    # The next round signs the forged head into the database (and appends it to the log); the
    # copy taken before still contradicts both.
    anchor_sites(service.engine, KEY, Clock().now_ms() + 1, log)
    assert _problems(_verify(service.engine, AnchorChecks(external))) == {
        Problem.ANCHOR_DIFFERS,
        Problem.ANCHOR_MISMATCH,
    }
    # The log itself, forged anchor appended, still holds the first one too.
    again = read_anchor_file(log.path).anchors
    assert len(again) == 2
    assert Problem.ANCHOR_MISMATCH in _problems(_verify(service.engine, AnchorChecks(again)))


def test_middle_record_deleted_and_renumbered_is_caught_by_the_log(
    service: IngestService, ingest: Ingest, tmp_path: Path
) -> None:
    ids = ingest(5)
    log = AnchorLog(tmp_path / "anchors.jsonl")
    anchor_sites(service.engine, KEY, Clock().now_ms(), log)
    with service.engine.begin() as conn:
        conn.execute(delete(t.records).where(t.records.c.id == ids[2]))
        conn.execute(delete(tt.record_chain).where(tt.record_chain.c.record_id == ids[2]))
        conn.execute(delete(tt.chain_anchors))
        _rechain(conn)
    assert _verify(service.engine).clean  # without a copy outside the database: undetectable
    report = _verify(service.engine, AnchorChecks(read_anchor_file(log.path).anchors))
    assert _problems(report) == {Problem.ANCHOR_MISSING, Problem.CHAIN_TRUNCATED}


def test_untouched_store_with_its_log_verifies_clean(
    service: IngestService, ingest: Ingest, tmp_path: Path
) -> None:
    ingest(3)
    log = AnchorLog(tmp_path / "anchors.jsonl")
    [written] = anchor_sites(service.engine, KEY, Clock().now_ms(), log)
    ingest(2)
    external = read_anchor_file(log.path).anchors
    assert external == [written]
    report = _verify(service.engine, AnchorChecks(external))
    assert report.clean, report.findings
    assert (report.checked, report.anchors) == (5, 1)  # the row and its copy are one anchor


def test_days_without_an_anchor_are_a_gap(service: IngestService, ingest: Ingest) -> None:
    ingest(2)
    now = Clock().now_ms()
    assert _verify(service.engine, AnchorChecks(now_ms=now + 2 * DAY_MS)).findings[0].problem == (
        Problem.ANCHOR_GAP
    )
    anchor_sites(service.engine, KEY, now)
    later = AnchorChecks(now_ms=now + 2 * DAY_MS)
    assert _problems(_verify(service.engine, later)) == {Problem.ANCHOR_GAP}
    anchor_sites(service.engine, KEY, now + DAY_MS)
    assert _verify(service.engine, later).clean
    # An anchor with another key does not fill the cadence.
    with service.engine.begin() as conn:
        second = tt.chain_anchors.c.anchored_ms == now + DAY_MS
        conn.execute(delete(tt.chain_anchors).where(second))
    anchor_sites(service.engine, generate_signing_key(), now + DAY_MS)
    assert _problems(_verify(service.engine, later)) == {
        Problem.ANCHOR_SIGNATURE,
        Problem.ANCHOR_GAP,
    }


def test_anchor_gaps_plain_cases() -> None:
    assert anchor_gaps([], 0, 10, 10) == []
    assert anchor_gaps([], 0, 11, 10) == [(0, 11)]
    assert anchor_gaps([5, 30, 35], 0, 40, 10) == [(5, 30)]
    assert anchor_gaps([-100, 5], 0, 20, 10) == [(5, 20)]  # before the first record: no cover
    assert anchor_gaps([5, 99], 0, 12, 10) == []  # after now: ignored


@given(
    st.lists(st.integers(0, 100 * HOUR), max_size=20),
    st.integers(0, 100 * HOUR),
    st.integers(1, 30 * HOUR),
)
def test_anchor_gaps_cover_exactly_the_long_stretches(
    anchored: list[int], span: int, max_gap: int
) -> None:
    gaps = anchor_gaps(anchored, 0, span, max_gap)
    points = sorted({0, span, *(a for a in anchored if 0 < a <= span)})
    long = [(a, b) for a, b in pairwise(points) if b - a > max_gap]
    assert gaps == long


def _anchor(day: str, seq: int, signature: str = "sig") -> Anchor:
    return Anchor(SITE, day, seq, "h" * 64, 0, "kid", signature)


def test_compare_copies_names_missing_and_replaced() -> None:
    first, second = _anchor("2026-05-01", 3), _anchor("2026-05-02", 5)
    assert compare_copies([first, second], [first, second]) == []
    assert compare_copies([first, second], [first]) == []  # newer rows than the copy: fine
    [missing] = compare_copies([second], [first, second])
    assert (missing.problem, missing.seq) == (Problem.ANCHOR_MISSING, 3)
    [replaced] = compare_copies([first, _anchor("2026-05-02", 4, "other")], [first, second])
    assert (replaced.problem, replaced.seq) == (Problem.ANCHOR_DIFFERS, 4)
    # A re-signed day (commit failed after the log write) is fine while one copy matches.
    assert compare_copies([second], [_anchor("2026-05-02", 5, "lost"), second]) == []
