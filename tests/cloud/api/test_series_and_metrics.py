"""`GET /api/v1/series` from the SQL store and from VictoriaMetrics; `GET /metrics`."""

from pathlib import Path

import httpx
import orjson
import pytest

from agrisafe.ids import new_id
from agrisafe.mqtt.broker import EmbeddedBroker
from agrisafe.protocol import Kind
from cloud.timeseries import outbox
from testkit.cloud import RunningCloud, cloud_settings, running_cloud
from testkit.messages import message
from testkit.net import wait_for
from testkit.services import VictoriaMetrics

FROM = "2026-05-04T10:00:00+08:00"
TO = "2026-05-04T11:00:00+08:00"


def _post_tests(cloud: RunningCloud, site: str) -> None:
    envs = []
    for minute, pct, result in (
        (1, 10.0, "negative"),
        (2, 30.0, "negative"),
        (40, 80.0, "positive"),
    ):
        env = message(Kind.RAPID_TEST, site=site, device="rt-01", result=result, inhibition_pct=pct)
        env["ts"] = f"2026-05-04T10:{minute:02d}:00+08:00"
        envs.append(env)
    r = cloud.http.post("/api/v1/messages", content=orjson.dumps(envs))
    assert r.status_code == 202, r.text
    assert wait_for(lambda: outbox.depth(cloud.runtime.engine) == (0, 0), 20)


def _series(cloud: RunningCloud, site: str, **params: str) -> dict[str, object]:
    r = cloud.http.get(
        "/api/v1/series",
        params={"site": site, "measurement": "rapid_test", "from": FROM, "to": TO} | params,
    )
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def _check_chart(body: dict[str, object]) -> None:
    series = body["series"]
    assert isinstance(series, list)
    pct = {s["tags"]["result"]: s["points"] for s in series if s["field"] == "inhibition_pct"}
    start = 1777860000000  # 10:00 +08:00
    assert pct == {"negative": [[start, 20.0]], "positive": [[start + 1_800_000, 80.0]]}


@pytest.mark.integration
def test_series_from_the_sql_store(embedded_broker: EmbeddedBroker, tmp_path: Path) -> None:
    site = f"TS-{new_id()[-8:]}"
    settings = cloud_settings(
        tmp_path, embedded_broker.address.url(), auto_register=True, shared_subscription=False
    )
    with running_cloud(settings) as cloud:
        _post_tests(cloud, site)
        body = _series(cloud, site, step="30m")
        assert body["store"] == "sql"
        _check_chart(body)
        base = {"site": site, "measurement": "rapid_test", "from": FROM, "to": TO}
        assert cloud.http.get("/api/v1/series", params=base | {"step": "1s"}).status_code == 200
        too_many = cloud.http.get("/api/v1/series", params=base | {"step": "100ms"})
        assert too_many.status_code == 422
        assert "buckets" in too_many.text
        unknown = cloud.http.get("/api/v1/series", params=base | {"measurement": "x"})
        assert unknown.status_code == 422
        assert "measurement" in unknown.text
        bad_step = cloud.http.get("/api/v1/series", params=base | {"step": "soon"})
        assert bad_step.status_code == 422
        unauth = httpx.get(f"{cloud.base_url}/api/v1/series", params={"site": site})
        assert unauth.status_code == 401

        assert httpx.get(f"{cloud.base_url}/metrics").status_code == 401  # closed by default
        metrics = cloud.http.get("/metrics").text
        assert 'agrisafe_ingest_messages_total{source="http"} 3.0' in metrics
        assert 'agrisafe_ingest_stored_total{kind="rapid_test"} 3.0' in metrics
        assert 'agrisafe_alerts_opened_total{rule="rapid_test_positive"} 1.0' in metrics
        assert "agrisafe_timeseries_points_written_total 0.0" in metrics  # no pump: same tx
        assert f'agrisafe_device_last_seen_timestamp_seconds{{device="rt-01",site="{site}"}}' in (
            metrics
        )
        # Event times in May 2026 arrived "now": the lag histogram saw all three.
        assert "agrisafe_ingest_lag_seconds_count 3.0" in metrics


@pytest.mark.integration
def test_series_from_victoriametrics(embedded_broker: EmbeddedBroker, tmp_path: Path) -> None:
    vm = VictoriaMetrics(tmp_path / "vm")
    vm.start()
    try:
        site = f"TS-{new_id()[-8:]}"
        settings = cloud_settings(
            tmp_path,
            embedded_broker.address.url(),
            auto_register=True,
            shared_subscription=False,
            timeseries="influxdb",
            influx_url=vm.url,
        )
        with running_cloud(settings) as cloud:
            _post_tests(cloud, site)
            assert wait_for(lambda: bool(_series(cloud, site, step="30m")["series"]), 15)
            body = _series(cloud, site, step="30m")
            assert body["store"] == "influxdb"
            _check_chart(body)
            metrics = cloud.http.get("/metrics").text
            assert 'agrisafe_timeseries_outbox_depth{state="waiting"} 0.0' in metrics
            assert "agrisafe_timeseries_points_written_total 3.0" in metrics
    finally:
        vm.stop()


@pytest.mark.integration
def test_daily_buckets_follow_the_sites_day_and_name_their_aggregation(
    embedded_broker: EmbeddedBroker, tmp_path: Path
) -> None:
    """Three harvests on one Shanghai day (two UTC days) sum into one point at local midnight."""
    site = f"TS-{new_id()[-8:]}"
    settings = cloud_settings(
        tmp_path, embedded_broker.address.url(), auto_register=True, shared_subscription=False
    )
    with running_cloud(settings) as cloud:
        envs = []
        for stamp, kg in (("01:30", 100.0), ("12:00", 120.0), ("23:30", 700.0)):
            env = message(Kind.HARVEST, site=site, qty_kg=kg)
            env["ts"] = f"2026-05-04T{stamp}:00+08:00"
            envs.append(env)
        r = cloud.http.post("/api/v1/messages", content=orjson.dumps(envs))
        assert r.status_code == 202, r.text
        params = {
            "site": site,
            "measurement": "harvest",
            "from": "2026-05-01T00:00:00+08:00",
            "to": "2026-05-08T00:00:00+08:00",
            "step": "1d",
        }
        assert wait_for(
            lambda: bool(cloud.http.get("/api/v1/series", params=params).json()["series"]), 20
        )
        body = cloud.http.get("/api/v1/series", params=params | {"agg": "sum"}).json()
        local_midnight = 1777824000000  # 2026-05-04T00:00:00+08:00
        assert (body["agg"], body["tz"], body["offset_ms"]) == ("sum", "Asia/Shanghai", 28_800_000)
        assert [s["points"] for s in body["series"]] == [[[local_midnight, 920.0]]]
        count = cloud.http.get("/api/v1/series", params=params | {"agg": "count"}).json()
        assert [s["points"] for s in count["series"]] == [[[local_midnight, 3.0]]]
        utc = cloud.http.get("/api/v1/series", params=params | {"agg": "sum", "tz": "UTC"}).json()
        assert [p[1] for p in utc["series"][0]["points"]] == [100.0, 820.0]
        bad = cloud.http.get("/api/v1/series", params=params | {"agg": "median"})
        assert bad.status_code == 422
        assert "agg" in bad.text
        bad_tz = cloud.http.get("/api/v1/series", params=params | {"tz": "Mars/Base"})
        assert bad_tz.status_code == 422
        assert "tz" in bad_tz.text
