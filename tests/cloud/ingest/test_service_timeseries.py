"""Ingest with the SQL time-series store in its transaction: a protocol-valid message is never
refused by that store (keys and tags longer than its columns), and a message the store does
refuse is answered without the database's words."""

from collections.abc import Iterator, Sequence

import pytest
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import DataError

from agrisafe.protocol import Kind, TestResult
from cloud.domain import StoredRecord, Verdict
from cloud.ingest.isolate import FaultIsolator
from cloud.ingest.service import IngestService
from cloud.store import tables as t
from cloud.store.timeseries_tables import ts_points
from cloud.timeseries.outbox import TimeSeriesStage
from cloud.timeseries.sql import SqlTimeSeries
from testkit.ingest import ListSink, demo_ingest, mqtt_arrival
from testkit.messages import message


@pytest.fixture
def service(database_url: str) -> Iterator[tuple[IngestService, ListSink]]:
    svc, sink = demo_ingest(database_url)
    svc.record_sinks.append(TimeSeriesStage(direct=SqlTimeSeries(svc.engine)))
    yield svc, sink
    svc.engine.dispose()


def test_long_telemetry_keys_and_quoted_rapid_test_tags_are_stored_and_alerted(
    service: tuple[IngestService, ListSink],
) -> None:
    svc, sink = service
    telemetry = message(Kind.TELEMETRY, device="app-zhang")
    telemetry["body"]["k" * 65] = 1.0  # a free key longer than the `field` column
    positive = message(
        Kind.RAPID_TEST,
        device="rt-01",
        result=TestResult.POSITIVE.value,
        analyte="\\" * 300,  # 600 characters once JSON escapes them
        commodity='"' * 300,
    )
    out = FaultIsolator(svc).process([mqtt_arrival(telemetry), mqtt_arrival(positive)])
    assert [o.verdict for o in out] == [Verdict.ACCEPTED, Verdict.ACCEPTED]
    assert [a.rule.value for a in sink.alerts] == ["rapid_test_positive"]
    with svc.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.records)).scalar() == 2
        fields = set(conn.execute(select(ts_points.c.measurement, ts_points.c.field)).all())
    assert ("rapid_test", "result_code") in fields
    assert any(m == "telemetry" and f.startswith("k" * 40) for m, f in fields)
    assert svc.stats.dead_lettered == 0


class RefusingSink:
    """Fails like the database refusing a value, with the SQL in the error (as drivers do)."""

    def stage(self, conn: Connection, stored: Sequence[StoredRecord]) -> None:
        raise DataError(
            "INSERT INTO ts_points (site, measurement) VALUES (%s, %s)",
            [("SX-TG-001", "secret-tag")],
            Exception("value too long for type character varying(64)"),
        )


def test_a_refused_message_is_answered_without_sql_and_the_detail_is_logged(
    service: tuple[IngestService, ListSink], caplog: pytest.LogCaptureFixture
) -> None:
    svc, _sink = service
    svc.record_sinks.append(RefusingSink())
    env = message(Kind.TELEMETRY, device="app-zhang", fps=1.0)
    [outcome] = FaultIsolator(svc, max_attempts=2).process([mqtt_arrival(env)])
    assert outcome.rejection is not None
    assert outcome.rejection.reason.value == "internal"
    said = outcome.rejection.detail
    for leaked in ("INSERT", "ts_points", "secret-tag", "character varying"):
        assert leaked not in said
    assert "after 2 attempts" in said
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert env["id"] in logged
    assert "character varying(64)" in logged
