"""The InfluxDB adapter and the Prometheus-style reader against a real VictoriaMetrics."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from agrisafe.ids import new_id
from cloud.store.db import make_engine, migrate
from cloud.timeseries.influx import InfluxWriter
from cloud.timeseries.points import Point, make_point
from cloud.timeseries.port import SeriesQuery, WriteError
from cloud.timeseries.readers import PrometheusReader, flux_for, promql_for
from cloud.timeseries.sql import SqlTimeSeries
from testkit.net import wait_for
from testkit.services import VictoriaMetrics

T0 = 1_779_999_960_000  # ms, a whole minute


@pytest.fixture(scope="module")
def vm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VictoriaMetrics]:
    v = VictoriaMetrics(tmp_path_factory.mktemp("vm"))
    v.start()
    yield v
    v.stop()


def _points(site: str) -> list[Point]:
    out = []
    for n, (pct, result) in enumerate([(10.0, "negative"), (30.0, "negative"), (70.0, "positive")]):
        p = make_point(
            "rapid_test",
            {"site": site, "device": "rt-01", "analyte": "有机磷", "result": result},
            {"inhibition_pct": pct, "result_code": 2.0 if result == "positive" else 0.0},
            T0 + n * 20_000,
        )
        assert p is not None
        out.append(p)
    return out


@pytest.mark.integration
def test_written_points_are_exported_and_strings_are_tags(vm: VictoriaMetrics) -> None:
    site = f"VM-{new_id()[-8:]}"
    writer = InfluxWriter(vm.url, "unused-token", "agrisafe", "agrisafe")
    assert writer.ping()
    writer.write(_points(site))
    writer.write(_points(site))  # a re-sent batch is the same samples
    sel = f'{{__name__=~"rapid_test_.+",site="{site}"}}'
    assert wait_for(lambda: vm.sample_count(sel) == 6, 15)
    rows = vm.export(sel)
    pct = sorted(
        (ts, v, r["metric"]["result"])
        for r in rows
        if r["metric"]["__name__"] == "rapid_test_inhibition_pct"
        for ts, v in zip(r["timestamps"], r["values"], strict=True)
    )
    assert pct == [
        (T0, 10.0, "negative"),
        (T0 + 20_000, 30.0, "negative"),
        (T0 + 40_000, 70.0, "positive"),
    ]
    assert {r["metric"]["analyte"] for r in rows} == {"有机磷"}
    writer.close()


@pytest.mark.integration
def test_prometheus_reader_agrees_with_the_sql_reader(vm: VictoriaMetrics, tmp_path: Path) -> None:
    site = f"VM-{new_id()[-8:]}"
    points = _points(site)
    InfluxWriter(vm.url, "", "agrisafe", "agrisafe").write(points)
    engine = make_engine(f"sqlite:///{tmp_path / 'ts.db'}")
    migrate(engine)
    sql = SqlTimeSeries(engine)
    sql.write(points)
    q = SeriesQuery(site, "rapid_test", T0, T0 + 120_000, 60_000, "inhibition_pct")
    reader = PrometheusReader(vm.url)
    assert wait_for(lambda: bool(reader.query(q)), 15)
    from_vm = {tuple(sorted(s.tags.items())): s.points for s in reader.query(q)}
    from_sql = {tuple(sorted(s.tags.items())): s.points for s in sql.query(q)}
    assert from_vm == from_sql
    assert sum(len(p) for p in from_sql.values()) == 2  # negative bucket mean, positive alone


@pytest.mark.integration
def test_a_stopped_server_is_a_retryable_error(tmp_path: Path) -> None:
    down = VictoriaMetrics(tmp_path)
    down.start()
    down.stop()
    writer = InfluxWriter(down.url, "", "agrisafe", "agrisafe", timeout_s=2)
    with pytest.raises(WriteError) as caught:
        writer.write(_points("S"))
    assert caught.value.retryable


def test_query_texts_quote_what_callers_supply() -> None:
    q = SeriesQuery('S"1', "rapid_test", 0, 60_000, 60_000, "inhibition_pct")
    assert promql_for(q) == (
        'avg_over_time({__name__="rapid_test_inhibition_pct",site="S\\"1"}[60000ms])'
    )
    flux = flux_for(q, "agri")
    assert 'r.site == "S\\"1"' in flux
    assert 'r._field == "inhibition_pct"' in flux
    assert "aggregateWindow(every: 60000ms, offset: 0ms, fn: mean" in flux
    assert promql_for(SeriesQuery("S", "telemetry", 0, 1, 1)).startswith(
        'avg_over_time({__name__=~"telemetry_.+",'
    )


def test_query_texts_name_the_aggregation_and_the_local_day() -> None:
    day = 86_400_000
    q = SeriesQuery("S", "harvest", 0, 7 * day, day, "qty_kg", agg="sum", offset_ms=28_800_000)
    assert promql_for(q).startswith('sum_over_time({__name__="harvest_qty_kg"')
    # Flux windows start at k·step + offset: local midnight at +08:00 is 16:00 UTC.
    assert "offset: 57600000ms, fn: sum" in flux_for(q, "agri")
    assert q.bucket_start(1777860000000) == 1777824000000  # 10:00 +08:00 → 00:00 +08:00
