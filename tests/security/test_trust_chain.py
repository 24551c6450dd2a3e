"""Tamper evidence on SQLite and PostgreSQL: records changed, deleted or inserted in SQL after
arrival are named by the verifier; an untouched store verifies clean.

Records arrive through the real ingest service (chain links commit with them); tampering is
plain SQL on the same database, as someone with database access would do it.
"""

import threading

import orjson
import pytest
from sqlalchemy import Engine, delete, insert, select, update

from agrisafe.identity import generate_signing_key
from agrisafe.protocol import Kind
from agrisafe.timeutil import Clock
from cloud.chain.anchor import anchor_sites
from cloud.chain.hashing import GENESIS, link_hash
from cloud.chain.verify import Problem, Report, verify_site
from cloud.domain import Incoming, Source, Verdict
from cloud.ingest.service import IngestService
from cloud.store import tables as t
from cloud.store import trust_tables as tt
from testkit.messages import message, topic_of
from testkit.trust_keys import SITE, keyed_registry, keyed_service

CLOUD_KEY = generate_signing_key()


def _ingest(service: IngestService, n: int, received_ms: int | None = None) -> list[str]:
    ids: list[str] = []
    batch = []
    at = received_ms or Clock().now_ms()
    for _ in range(n):
        env = message(Kind.HARVEST, device="app-zhang")
        ids.append(str(env["id"]))
        batch.append(Incoming(orjson.dumps(env), topic_of(env), Source.MQTT, at))
    assert {o.verdict for o in service.process(batch)} == {Verdict.ACCEPTED}
    return ids


@pytest.fixture
def service(database_url: str) -> IngestService:
    return keyed_service(database_url, keyed_registry("optional"))


def _verify(engine: Engine) -> Report:
    with engine.connect() as conn:
        return verify_site(conn, SITE, CLOUD_KEY.public_key())


def _named(report: Report) -> set[tuple[Problem, str | None]]:
    return {(f.problem, f.record) for f in report.findings}


def test_untouched_store_verifies_clean(service: IngestService) -> None:
    _ingest(service, 5)
    _ingest(service, 3)
    anchor_sites(service.engine, CLOUD_KEY, Clock().now_ms())
    report = _verify(service.engine)
    assert report.clean, report.findings
    assert report.checked == 8
    assert report.anchors == 1


def test_record_changed_in_sql_is_named(service: IngestService) -> None:
    ids = _ingest(service, 5)
    with service.engine.begin() as conn:
        row = conn.execute(select(t.records.c.envelope).where(t.records.c.id == ids[2])).one()
        env = dict(row.envelope)
        env["body"] = {**env["body"], "quantity_kg": 1.0}
        conn.execute(update(t.records).where(t.records.c.id == ids[2]).values(envelope=env))
    assert _named(_verify(service.engine)) == {(Problem.EDITED, ids[2])}


def test_record_deleted_in_sql_is_named(service: IngestService) -> None:
    ids = _ingest(service, 5)
    with service.engine.begin() as conn:
        conn.execute(delete(t.records).where(t.records.c.id == ids[1]))
    assert _named(_verify(service.engine)) == {(Problem.DELETED, ids[1])}


def test_record_inserted_in_sql_is_named(service: IngestService) -> None:
    ids = _ingest(service, 3)
    with service.engine.begin() as conn:
        row = dict(conn.execute(select(t.records).where(t.records.c.id == ids[0])).mappings().one())
        row["id"] = "forged-" + ids[0][-20:]
        row["envelope"] = {**row["envelope"], "id": row["id"]}
        conn.execute(insert(t.records), [row])
    assert _named(_verify(service.engine)) == {(Problem.INSERTED, row["id"])}


def test_record_and_link_deleted_together_leave_a_gap(service: IngestService) -> None:
    ids = _ingest(service, 4)
    with service.engine.begin() as conn:
        conn.execute(delete(t.records).where(t.records.c.id == ids[1]))
        conn.execute(delete(tt.record_chain).where(tt.record_chain.c.record_id == ids[1]))
    report = _verify(service.engine)
    assert {f.problem for f in report.findings} == {Problem.LINKS_MISSING}
    assert report.findings[0].seq == 2


def test_rewritten_chain_is_caught_by_the_signed_anchor(service: IngestService) -> None:
    ids = _ingest(service, 4)
    anchor_sites(service.engine, CLOUD_KEY, Clock().now_ms())
    # An editor with database access changes a record and recomputes every later link and the
    # head: the chain is self-consistent again, but the anchor signed the old head.
    with service.engine.begin() as conn:
        conn.execute(update(t.records).where(t.records.c.id == ids[0]).values(lot="L-FORGED"))
        links = conn.execute(select(tt.record_chain).order_by(tt.record_chain.c.seq)).mappings()
        prev = GENESIS
        for link in list(links):
            row = conn.execute(select(t.records).where(t.records.c.id == link["record_id"]))
            prev = link_hash(prev, dict(row.mappings().one()))
            conn.execute(
                update(tt.record_chain)
                .where(tt.record_chain.c.seq == link["seq"])
                .values(hash=prev)
            )
        conn.execute(update(tt.chain_heads).values(hash=prev))
    assert {f.problem for f in _verify(service.engine).findings} == {Problem.ANCHOR_MISMATCH}


def test_forged_anchor_signature_is_reported(service: IngestService) -> None:
    _ingest(service, 2)
    anchor_sites(service.engine, generate_signing_key(), Clock().now_ms())  # not the cloud's key
    assert {f.problem for f in _verify(service.engine).findings} == {Problem.ANCHOR_SIGNATURE}


def test_time_range_checks_only_that_range(service: IngestService) -> None:
    now = Clock().now_ms()
    _ingest(service, 3, now - 60_000)
    cut = now - 30_000
    later = _ingest(service, 2, now)
    with service.engine.begin() as conn:
        conn.execute(delete(t.records).where(t.records.c.id == later[0]))
    with service.engine.connect() as conn:
        early = verify_site(conn, SITE, None, 0, cut - 1)
        late = verify_site(conn, SITE, None, cut, 2**62)
    assert early.clean
    assert _named(late) == {(Problem.DELETED, later[0])}


def test_concurrent_workers_build_one_gapless_chain(service: IngestService) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                _ingest(service, 10)
        except BaseException as err:  # surfaced below
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert not errors
    report = _verify(service.engine)
    assert report.clean, report.findings
    assert report.checked == 200
