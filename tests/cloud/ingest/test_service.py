"""IngestService on SQLite and PostgreSQL: idempotency, quarantine with raw bytes, alerts."""

import orjson
import pytest
from sqlalchemy import Table, func, select

from agrisafe.protocol import Kind, QuarantineReason
from agrisafe.timeutil import Clock
from cloud.domain import Incoming, Source, Verdict
from cloud.ingest.service import IngestService
from cloud.store import quarantine
from cloud.store import tables as t
from testkit.ingest import ListSink, demo_ingest
from testkit.messages import encode, message, topic_of


def _service(url: str, *, auto_register: bool = False) -> tuple[IngestService, ListSink]:
    return demo_ingest(url, auto_register=auto_register)


def _mqtt(payload: bytes, topic: str | None = None) -> Incoming:
    # A realistic arrival time: an event time far ahead of arrival would raise clock_skew.
    return Incoming(payload, topic, Source.MQTT, Clock().now_ms())


def _count(service: IngestService, table: Table) -> int:
    with service.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def test_same_id_twice_is_one_record(database_url: str) -> None:
    service, _ = _service(database_url)
    env = message(Kind.HARVEST, device="app-zhang")
    first = service.process([_mqtt(encode(env), topic_of(env))])
    again = service.process([_mqtt(encode(env), topic_of(env)), _mqtt(encode(env), topic_of(env))])
    assert [o.verdict for o in first] == [Verdict.ACCEPTED]
    assert [o.verdict for o in again] == [Verdict.DUPLICATE, Verdict.DUPLICATE]
    assert _count(service, t.records) == 1


def test_duplicates_inside_one_batch(database_url: str) -> None:
    service, _ = _service(database_url)
    env = message(Kind.HARVEST, device="app-zhang")
    out = service.process([_mqtt(encode(env))] * 3)
    assert [o.verdict for o in out] == [Verdict.ACCEPTED, Verdict.DUPLICATE, Verdict.DUPLICATE]
    assert _count(service, t.records) == 1


def test_id_reuse_with_other_content_is_quarantined_first_stands(database_url: str) -> None:
    service, _ = _service(database_url)
    env = message(Kind.HARVEST, device="app-zhang")
    other = dict(env) | {"body": env["body"] | {"qty_kg": 1.0}}
    service.process([_mqtt(encode(env))])
    out = service.process([_mqtt(encode(other))])
    assert out[0].verdict is Verdict.QUARANTINED
    assert out[0].rejection is not None
    assert out[0].rejection.reason is QuarantineReason.ID_REUSE
    with service.engine.connect() as conn:
        stored = conn.execute(select(t.records.c.envelope)).scalar_one()
        q = conn.execute(select(t.quarantine)).mappings().one()
    assert stored["body"]["qty_kg"] == 850.0
    assert q["reason"] == "id_reuse"
    assert q["message_id"] == env["id"]
    assert orjson.loads(q["raw"])["body"]["qty_kg"] == 1.0


@pytest.mark.parametrize(
    ("payload", "topic", "reason"),
    [
        (b"\xff\xfe{", "agrisafe/v1/SX-TG-001/app-zhang/harvest", "bad_json"),
        (b'{"v": 1, "kind": "harvest"}', "agrisafe/v1/SX-TG-001/app-zhang/harvest", "schema"),
        (b"{}", "not/a/protocol/topic", "unknown_topic"),
        (b"x" * (256 * 1024 + 1), "agrisafe/v1/SX-TG-001/app-zhang/harvest", "too_large"),
    ],
)
def test_malformed_input_lands_in_quarantine_with_raw_bytes(
    database_url: str, payload: bytes, topic: str, reason: str
) -> None:
    service, _ = _service(database_url)
    out = service.process([_mqtt(payload, topic)])
    assert out[0].verdict is Verdict.QUARANTINED
    with service.engine.connect() as conn:
        row = conn.execute(select(t.quarantine)).mappings().one()
    assert row["reason"] == reason
    assert row["topic"] == topic
    # Kept whole up to the quarantine's cap; an oversized payload keeps its head and says so.
    assert bytes(row["raw"]) == payload[: quarantine.RAW_KEEP_BYTES]
    if len(payload) > quarantine.RAW_KEEP_BYTES:
        assert (
            f"raw truncated to {quarantine.RAW_KEEP_BYTES} of {len(payload)} bytes" in row["detail"]
        )
    assert row["detail"]
    assert service.stats.quarantined == {reason: 1}
    assert _count(service, t.records) == 0


def test_topic_mismatch_is_quarantined(database_url: str) -> None:
    service, _ = _service(database_url)
    env = message(Kind.HARVEST, device="app-zhang")
    out = service.process([_mqtt(encode(env), "agrisafe/v1/SX-TG-001/rt-01/harvest")])
    assert out[0].rejection is not None
    assert out[0].rejection.reason is QuarantineReason.TOPIC_MISMATCH


def test_unknown_device_quarantined_unless_auto_register(database_url: str) -> None:
    service, _ = _service(database_url)
    env = message(Kind.HARVEST, site="SX-NEW-9", device="stranger")
    out = service.process([_mqtt(encode(env), topic_of(env))])
    assert out[0].rejection is not None
    assert out[0].rejection.reason is QuarantineReason.UNKNOWN_DEVICE
    service.registry.auto_register = True
    out = service.process([_mqtt(encode(env), topic_of(env))])
    assert out[0].verdict is Verdict.ACCEPTED
    assert service.registry.region_of("SX-NEW-9") == "000000"


def test_positive_rapid_test_opens_one_alert_even_when_repeated(database_url: str) -> None:
    service, sink = _service(database_url)
    env = message(Kind.RAPID_TEST, device="rt-01")
    negative = message(Kind.RAPID_TEST, device="rt-01", result="negative", inhibition_pct=0.0)
    service.process([_mqtt(encode(env)), _mqtt(encode(negative))])
    service.process([_mqtt(encode(env))])
    assert len(sink.alerts) == 1
    alert = sink.alerts[0]
    assert alert.rule.value == "rapid_test_positive"
    assert alert.subject == f"sample:{env['body']['sample']}"
    assert alert.cause == env["id"]
    assert alert.evidence == [env["id"]]
    assert alert.region == "140703"  # from the registry
    assert alert.ts.isoformat() == "2026-05-04T10:15:00+08:00"
    assert _count(service, t.alerts) == 1


def test_open_alert_is_unique_per_dedupe_key_in_the_database(database_url: str) -> None:
    """The unique partial index, not only the code, refuses a second open alert."""
    from sqlalchemy.exc import IntegrityError

    service, _ = _service(database_url)
    service.process([_mqtt(encode(message(Kind.RAPID_TEST, device="rt-01")))])
    with service.engine.connect() as conn:
        row = dict(conn.execute(select(t.alerts)).mappings().one())
    row["id"] = "another-id-0001"
    with pytest.raises(IntegrityError), service.engine.begin() as conn:
        conn.execute(t.alerts.insert(), row)
    row["status"] = "resolved"  # resolved alerts do not count
    with service.engine.begin() as conn:
        conn.execute(t.alerts.insert(), row)
    assert _count(service, t.alerts) == 2


@pytest.mark.parametrize(
    "ts",
    [
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-12:00",  # year 10000 in UTC
        "0001-01-01T00:00:00+14:00",  # year 0 in UTC
    ],
)
def test_event_times_no_date_can_hold_are_quarantined_not_raised(
    database_url: str, ts: str
) -> None:
    """The live ingest path bounds event time by arrival (replay sets such lines aside)."""
    service, sink = _service(database_url)
    env = message(Kind.INPUT_USE)
    env["ts"] = ts
    [out] = service.process([_mqtt(encode(env), topic_of(env))])
    assert out.verdict is Verdict.QUARANTINED
    assert service.stats.quarantined == {QuarantineReason.EVENT_TIME.value: 1}
    assert sink.alerts == []
