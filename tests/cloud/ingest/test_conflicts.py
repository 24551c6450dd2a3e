"""An id already held by another sender's record: `id_conflict`, quarantined, alerted, acked.

The attack this stops: a producer computes the id of an instrument's coming positive and sends
any message under it first; the real positive used to be swallowed as `id_reuse`.
"""

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from sqlalchemy import insert, select

from agrisafe.protocol import Kind, QuarantineReason, parse_envelope
from cloud.domain import Verdict
from cloud.ingest.acks import cloud_acks
from cloud.ingest.conflicts import Holder, conflict_alert, repeat_rejection
from cloud.ingest.service import IngestService
from cloud.store import compliance_tables as ct
from cloud.store import tables as t
from testkit.ingest import ListSink, demo_ingest, mqtt_arrival
from testkit.messages import encode, message


@pytest.fixture
def service(database_url: str) -> Iterator[tuple[IngestService, ListSink]]:
    svc, sink = demo_ingest(database_url)
    yield svc, sink
    svc.engine.dispose()


def _positive_and_squat() -> tuple[dict[str, Any], dict[str, Any]]:
    positive = message(Kind.RAPID_TEST, device="rt-01", result="positive", inhibition_pct=78.0)
    squat = message(Kind.RAPID_TEST, device="app-zhang", result="negative", inhibition_pct=12.0)
    squat["id"] = positive["id"]  # the id, computed ahead, claimed from the producer's app
    return positive, squat


def _rules(sink: ListSink) -> list[tuple[str, str, str]]:
    return [(a.rule.value, a.site, a.subject) for a in sink.alerts]


def test_another_senders_id_is_id_conflict_kept_and_alerted(
    service: tuple[IngestService, ListSink],
) -> None:
    svc, sink = service
    positive, squat = _positive_and_squat()
    assert svc.process([mqtt_arrival(squat)])[0].verdict is Verdict.ACCEPTED
    batch = [mqtt_arrival(positive)]
    [out] = svc.process(batch)
    assert out.verdict is Verdict.QUARANTINED
    assert out.rejection is not None
    assert out.rejection.reason is QuarantineReason.ID_CONFLICT
    with svc.engine.connect() as conn:
        q = conn.execute(select(t.quarantine)).mappings().one()
    assert q["reason"] == "id_conflict"
    assert orjson.loads(q["raw"])["body"]["result"] == "positive"  # the real one, kept
    assert _rules(sink) == [("id_conflict", "SX-TG-001", "device:rt-01")]
    [alert] = sink.alerts
    assert alert.region == svc.registry.region_of("SX-TG-001")
    assert alert.evidence == [positive["id"]]
    assert alert.detail["first_sender"] == "device:app-zhang"
    assert svc.stats.quarantined == {"id_conflict": 1}
    [(_topic, ack)] = cloud_acks(batch, [out])
    assert orjson.loads(ack)["quarantined"] == {positive["id"]: "id_conflict"}
    # The bridge re-sends (no ack seen): still id_conflict, still one alert.
    assert svc.process([mqtt_arrival(positive)])[0].rejection is not None
    assert len(sink.alerts) == 1


def test_the_conflict_alert_is_queued_for_webhooks_like_every_alert(
    service: tuple[IngestService, ListSink],
) -> None:
    svc, sink = service
    hook = {"id": "wh1", "url": "https://x.example/h", "secret": "s" * 32, "regions": None}
    with svc.engine.begin() as conn:
        conn.execute(
            insert(ct.webhooks).values(**hook, rules=None, active=1, created_by="t", created_ms=0)
        )
    positive, squat = _positive_and_squat()
    svc.process([mqtt_arrival(squat)])
    svc.process([mqtt_arrival(positive)])
    [alert] = sink.alerts
    with svc.engine.connect() as conn:
        queued = conn.execute(select(ct.webhook_deliveries.c.alert_id)).scalars().all()
    assert queued == [alert.id]


def test_a_conflict_inside_one_batch_is_id_conflict_too(
    service: tuple[IngestService, ListSink],
) -> None:
    svc, sink = service
    positive, squat = _positive_and_squat()
    out = svc.process([mqtt_arrival(squat), mqtt_arrival(positive)])
    assert out[0].verdict is Verdict.ACCEPTED
    assert out[1].rejection is not None
    assert out[1].rejection.reason is QuarantineReason.ID_CONFLICT
    assert _rules(sink) == [("id_conflict", "SX-TG-001", "device:rt-01")]


def test_the_same_sender_with_other_content_stays_id_reuse_without_alert(
    service: tuple[IngestService, ListSink],
) -> None:
    svc, sink = service
    first = message(Kind.RAPID_TEST, device="rt-01", result="negative", inhibition_pct=10.0)
    changed = first | {"body": first["body"] | {"inhibition_pct": 1.0}}
    svc.process([mqtt_arrival(first)])
    [out] = svc.process([mqtt_arrival(changed)])
    assert out.rejection is not None
    assert out.rejection.reason is QuarantineReason.ID_REUSE
    assert sink.alerts == []


def test_repeat_decisions() -> None:
    env = parse_envelope(encode(message(Kind.RAPID_TEST, device="rt-01")))
    assert repeat_rejection(env, "h", Holder("h", "SX-TG-001", "rt-01")) is None
    same = repeat_rejection(env, "h", Holder("other", "SX-TG-001", "rt-01"))
    assert same is not None
    assert same.reason is QuarantineReason.ID_REUSE
    for holder in (Holder("x", "SX-TG-001", "app-zhang"), Holder("x", "SX-JX-002", "rt-01")):
        other = repeat_rejection(env, "h", holder)
        assert other is not None
        assert other.reason is QuarantineReason.ID_CONFLICT
    # Another site (maybe another region) is not named to this site's regulators.
    elsewhere = conflict_alert(env, Holder("x", "SX-JX-002", "app-li"))
    assert elsewhere.detail["first_sender"] == "another site"
    assert elsewhere.dedupe_key == f"id_conflict|SX-TG-001|device:rt-01|{env.id}"
