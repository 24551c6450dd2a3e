"""The time-series outbox in the SQL store: staged in the ingest transaction, drained by the pump.

Runs on SQLite and PostgreSQL.
"""

from collections.abc import Sequence

import pytest
from sqlalchemy import Connection, Engine, func, select

from agrisafe.protocol import Kind
from agrisafe.timeutil import Clock
from cloud.domain import Incoming, Source, StoredRecord
from cloud.engine.runner import RuleEngine
from cloud.ingest.service import IngestService
from cloud.registry import RegistryService
from cloud.store.db import make_engine, migrate
from cloud.store.timeseries_tables import ts_outbox, ts_points
from cloud.timeseries import outbox
from cloud.timeseries.outbox import TimeSeriesStage
from cloud.timeseries.points import Point, from_json
from cloud.timeseries.port import SeriesQuery, WriteError
from cloud.timeseries.pump import TimeSeriesPump
from cloud.timeseries.sql import SqlTimeSeries
from testkit.messages import encode, message, topic_of


def _service(url: str, *sinks: object) -> IngestService:
    engine = make_engine(url)
    migrate(engine)
    return IngestService(
        engine,
        RegistryService(engine, auto_register=True),
        RuleEngine(),
        record_sinks=[TimeSeriesStage(), *sinks],  # type: ignore[list-item]
    )


def _items(*envs: dict[str, object]) -> list[Incoming]:
    # A realistic arrival: event times far from arrival are refused (event_time).
    return [Incoming(encode(e), topic_of(e), Source.MQTT, Clock().now_ms()) for e in envs]


def _outbox_points(engine: Engine) -> list[Point]:
    with engine.connect() as conn:
        return [from_json(r[0]) for r in conn.execute(select(ts_outbox.c.point))]


def _activity(state: str, ts: str, track: str = "cam-01-17") -> dict[str, object]:
    env = message(Kind.ACTIVITY, device="cam-01", state=state, track=track)
    env["ts"] = ts
    return env


def test_points_are_staged_with_the_records_and_duplicates_add_none(database_url: str) -> None:
    service = _service(database_url)
    a = message(Kind.RAPID_TEST, device="rt-01", result="negative", inhibition_pct=3.0)
    b = message(Kind.TELEMETRY, device="cam-01")
    service.process(_items(a, b, a))
    service.process(_items(a, b))  # redelivery: no new records, no new points
    points = _outbox_points(service.engine)
    assert sorted(p.measurement for p in points) == ["rapid_test", "telemetry"]


def test_activity_durations_once_per_pair_in_one_batch_or_across_batches(
    database_url: str,
) -> None:
    service = _service(database_url)
    s1 = _activity("start", "2026-05-01T08:00:00+08:00", "t1")
    e1 = _activity("end", "2026-05-01T08:05:00+08:00", "t1")
    s2 = _activity("start", "2026-05-01T09:00:00+08:00", "t2")
    e2 = _activity("end", "2026-05-01T09:01:30+08:00", "t2")
    e3 = _activity("end", "2026-05-01T10:00:10+08:00", "t3")  # its start arrives later
    s3 = _activity("start", "2026-05-01T10:00:00+08:00", "t3")
    service.process(_items(s1, e1))  # same batch
    service.process(_items(s2))
    service.process(_items(e2, e2))  # next batch, repeated
    service.process(_items(e3))
    service.process(_items(s3))  # late start completes the pair
    durations = sorted(
        dict(p.fields)["duration_s"]
        for p in _outbox_points(service.engine)
        if p.measurement == "activity_duration"
    )
    assert durations == [10.0, 90.0, 300.0]


class Boom(Exception):
    """Raised by the failing sink below."""


class FailingSink:
    """A record sink that fails after the stage wrote: the whole batch must roll back."""

    def stage(self, conn: Connection, stored: Sequence[StoredRecord]) -> None:
        raise Boom


def test_a_failed_batch_leaves_neither_records_nor_points(database_url: str) -> None:
    service = _service(database_url, FailingSink())
    with pytest.raises(Boom):
        service.process(_items(message(Kind.RAPID_TEST, device="rt-01")))
    assert _outbox_points(service.engine) == []
    assert outbox.depth(service.engine) == (0, 0)


def test_pump_moves_points_into_the_sql_store_and_charts_read_them(database_url: str) -> None:
    service = _service(database_url)
    envs = []
    for minute, pct in ((0, 10.0), (1, 30.0), (12, 50.0)):
        env = message(Kind.RAPID_TEST, device="rt-01", result="negative", inhibition_pct=pct)
        env["ts"] = f"2026-05-04T10:{minute:02d}:00+08:00"
        envs.append(env)
    service.process(_items(*envs))
    staged = _outbox_points(service.engine)
    store = SqlTimeSeries(service.engine)
    pump = TimeSeriesPump(service.engine, store, batch=2)
    assert pump.drain(30)
    assert pump.written == 3
    assert outbox.depth(service.engine) == (0, 0)
    start = 1777860000000  # 2026-05-04T10:00:00+08:00
    q = SeriesQuery("SX-TG-001", "rapid_test", start, start + 3_600_000, 600_000)
    series = {s.field: s for s in store.query(q)}
    assert series["inhibition_pct"].points == [(start, 20.0), (start + 600_000, 50.0)]
    assert series["inhibition_pct"].tags["analyte"] == "有机磷和氨基甲酸酯类"
    assert series["result_code"].points == [(start, 0.0), (start + 600_000, 0.0)]
    one = store.query(SeriesQuery("SX-TG-001", "rapid_test", start, start + 60_000, 60_000, "t"))
    assert one == []
    store.write(staged + staged)  # a re-sent batch (delete-after-write) changes nothing
    with service.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ts_points)).scalar() == 6
    assert {s.field: s.points for s in store.query(q)}["inhibition_pct"][0] == (start, 20.0)


class RefusingWriter:
    """Fake writer: refuses points whose value is negative for good, like a server answering 400
    to a malformed point. No real server here refuses points permanently (VictoriaMetrics skips
    bad lines silently), so the bisect-and-park path is exercised with this fake."""

    name = "refusing"

    def __init__(self) -> None:
        self.taken: list[Point] = []
        self.down = False

    def write(self, points: Sequence[Point]) -> None:
        if self.down:
            raise WriteError("connection refused", retryable=True)
        if any(v < 0 for p in points for _, v in p.fields):
            raise WriteError("400 bad point", retryable=False)
        self.taken.extend(points)

    def close(self) -> None:
        pass


def test_refused_points_are_parked_and_a_down_server_keeps_everything(database_url: str) -> None:
    service = _service(database_url)
    good = [message(Kind.TELEMETRY, device="cam-01", fps=float(n)) for n in range(7)]
    for n, env in enumerate(good):
        env["ts"] = f"2026-05-01T08:0{n}:00+08:00"
    bad = message(Kind.TELEMETRY, device="cam-01", fps=-1.0)
    service.process(_items(*good[:3], bad, *good[3:]))
    writer = RefusingWriter()
    pump = TimeSeriesPump(service.engine, writer, batch=100)
    writer.down = True
    with pytest.raises(WriteError):
        pump.run_once()
    assert outbox.depth(service.engine) == (8, 0)  # nothing lost while the server is down
    writer.down = False
    assert pump.run_once() == 8
    assert sorted(dict(p.fields)["fps"] for p in writer.taken) == [float(n) for n in range(7)]
    assert outbox.depth(service.engine) == (0, 1)
    with service.engine.connect() as conn:
        error = conn.execute(select(ts_outbox.c.error)).scalar_one()
    assert "400 bad point" in error
