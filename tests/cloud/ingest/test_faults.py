"""Fault injection with real processes on loopback: nothing lost, nothing doubled.

Every scenario runs real `agrisafe cloud …` processes against a private Mosquitto (own config,
persistence and port) and a private VictoriaMetrics, publishes rapid tests (some positive, some
repeated) from a publisher process, breaks something mid-stream, and then checks that every
published id is stored exactly once, every point reached VictoriaMetrics and no alert is doubled.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from agrisafe.ids import new_id
from cloud.store import tables as t
from cloud.store.db import make_engine
from cloud.store.timeseries_tables import ts_outbox
from testkit.cloud import TEST_BOOTSTRAP_TOKEN, mint_token
from testkit.ingestload import Load, rapid_tests
from testkit.net import wait_for
from testkit.procs import CloudProcess, cloud_env
from testkit.publisher import write_lines
from testkit.services import PrivateMosquitto, VictoriaMetrics

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SUBSCRIBED = "subscribed to $share/"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    """A private Mosquitto with persistence."""
    b = PrivateMosquitto(tmp_path / "broker")
    b.start()
    yield b
    b.stop()


@pytest.fixture
def vm(tmp_path: Path) -> Iterator[VictoriaMetrics]:
    """A private VictoriaMetrics."""
    v = VictoriaMetrics(tmp_path / "vm")
    v.start()
    yield v
    v.stop()


def _publisher(tmp: Path, load: Load, url: str, mode: str, rate: float) -> subprocess.Popen[bytes]:
    path = tmp / f"messages-{new_id()[-6:]}.txt"
    write_lines(path, load.messages)
    args = ["testkit.publisher", str(path), url, "--mode", mode, "--rate", str(rate)]
    return subprocess.Popen(
        [sys.executable, "-m", *args, "--timeout", "150"],
        env=_env_with_testkit(),
        stdout=subprocess.PIPE,
    )


def _env_with_testkit() -> dict[str, str]:
    lib = str(Path(__file__).resolve().parents[2] / "lib")
    return dict(os.environ) | {"PYTHONPATH": lib + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _ingest(tmp: Path, env: dict[str, str], index: int = 0) -> CloudProcess:
    return CloudProcess(["ingest", "--index", str(index)], env, tmp / f"ingest-{index}.log")


def _stored(db_url: str, site: str) -> int:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            q = select(func.count()).select_from(t.records).where(t.records.c.site == site)
            return int(conn.execute(q).scalar() or 0)
    finally:
        engine.dispose()


def _check(db_url: str, load: Load, vm: VictoriaMetrics, timeout_s: float = 60) -> None:
    """Every id once, every point in VictoriaMetrics, one alert per positive test."""
    assert wait_for(lambda: _stored(db_url, load.site) >= len(load.ids), timeout_s), (
        f"stored {_stored(db_url, load.site)} of {len(load.ids)}"
    )
    engine = make_engine(db_url)
    with engine.connect() as conn:
        ids = [
            r[0] for r in conn.execute(select(t.records.c.id).where(t.records.c.site == load.site))
        ]
        alerts = conn.execute(
            select(t.alerts.c.cause, t.alerts.c.dedupe_key).where(t.alerts.c.site == load.site)
        ).all()

    def outbox_empty() -> bool:
        with engine.connect() as conn:
            return (conn.execute(select(func.count()).select_from(ts_outbox)).scalar() or 0) == 0

    assert wait_for(outbox_empty, timeout_s), "time-series outbox did not drain"
    engine.dispose()
    assert len(ids) == len(set(ids)) == len(load.ids)
    assert set(ids) == load.ids
    assert sorted(a[0] for a in alerts) == sorted(load.positives)
    assert len({a[1] for a in alerts}) == len(alerts)
    selector = f'{{__name__="rapid_test_result_code",site="{load.site}"}}'
    assert wait_for(lambda: vm.sample_count(selector) >= len(load.ids), 30)
    assert vm.sample_count(selector) == len(load.ids)


def _finish(pub: subprocess.Popen[bytes]) -> None:
    out, _ = pub.communicate(timeout=180)
    assert pub.returncode == 0, out


def test_kill_9_ingest_worker_mid_stream_and_restart(
    tmp_path: Path, broker: PrivateMosquitto, vm: VictoriaMetrics
) -> None:
    db = f"sqlite:///{tmp_path / 'cloud.db'}"
    env = cloud_env(
        tmp_path, broker.url(), database_url=db, timeseries="influxdb", influx_url=vm.url
    )
    worker = _ingest(tmp_path, env).start()
    worker.wait_log(SUBSCRIBED)
    load = rapid_tests(f"FA-{new_id()[-8:]}", 6000, positives=20, repeats=400)
    pub = _publisher(tmp_path, load, broker.url(), "paho", rate=1500)
    assert wait_for(lambda: _stored(db, load.site) > 1500, 30)
    worker.kill9()  # mid-stream: a batch in hand, acks not sent, points not pumped
    killed_at = _stored(db, load.site)
    time.sleep(1.0)
    worker.start()
    _finish(pub)
    _check(db, load, vm)
    assert killed_at < len(load.ids)  # the kill really happened mid-stream
    assert "(session present: True)" in worker.text()  # it resumed its broker session
    assert worker.stop() == 0


def test_private_mosquitto_restart_mid_stream(
    tmp_path: Path, broker: PrivateMosquitto, vm: VictoriaMetrics
) -> None:
    """One worker on a plain persistent subscription, which the broker restores on restart
    (a shared one it does not: see docs/scaling.md, "Broker restarts")."""
    db = f"sqlite:///{tmp_path / 'cloud.db'}"
    env = cloud_env(
        tmp_path,
        broker.url(),
        database_url=db,
        timeseries="influxdb",
        influx_url=vm.url,
        shared_subscription="false",
    )
    worker = _ingest(tmp_path, env).start()
    worker.wait_log("subscribed to agrisafe/v1/+/+/+")
    load = rapid_tests(f"FB-{new_id()[-8:]}", 4000, positives=10, repeats=200)
    # The durable outbox publisher: what devices use, and what survives a broker restart.
    pub = _publisher(tmp_path, load, broker.url(), "outbox", rate=800)
    assert wait_for(lambda: _stored(db, load.site) > 1000, 30)
    broker.restart(down_s=2.0)
    restarted_at = _stored(db, load.site)
    _finish(pub)
    _check(db, load, vm)
    assert restarted_at < len(load.ids)
    worker.wait_log("connected to", count=2)  # it reconnected to the same session
    assert worker.stop() == 0


def test_victoriametrics_down_for_30_s_under_load(
    tmp_path: Path, broker: PrivateMosquitto, vm: VictoriaMetrics
) -> None:
    db = f"sqlite:///{tmp_path / 'cloud.db'}"
    env = cloud_env(
        tmp_path, broker.url(), database_url=db, timeseries="influxdb", influx_url=vm.url
    )
    worker = _ingest(tmp_path, env).start()
    worker.wait_log(SUBSCRIBED)
    load = rapid_tests(f"FC-{new_id()[-8:]}", 6000, positives=10, repeats=200)
    pub = _publisher(tmp_path, load, broker.url(), "paho", rate=300)
    assert wait_for(lambda: _stored(db, load.site) > 600, 30)
    vm.stop()
    outage_started = time.monotonic()
    engine = make_engine(db)

    def depth() -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(ts_outbox)).scalar() or 0)

    assert wait_for(lambda: depth() > 1000, 25)  # points pile up durably while it is down
    time.sleep(max(30 - (time.monotonic() - outage_started), 0))
    vm.start()
    engine.dispose()
    _finish(pub)
    _check(db, load, vm, timeout_s=90)
    assert "time-series write to influxdb failed" in worker.text()
    assert worker.stop() == 0


def test_two_workers_on_a_shared_subscription_one_killed(
    tmp_path: Path, broker: PrivateMosquitto, vm: VictoriaMetrics, postgres_url: str
) -> None:
    """`serve --ingest-processes 2`: one worker process is killed; the supervisor restarts it."""
    env = cloud_env(
        tmp_path,
        broker.url(),
        database_url=postgres_url,
        timeseries="influxdb",
        influx_url=vm.url,
        ingest_processes="2",
    )
    serve = CloudProcess(["serve"], env, tmp_path / "serve.log").start_http()
    serve.wait_log(SUBSCRIBED, timeout_s=60, count=2)
    load = rapid_tests(f"FD-{new_id()[-8:]}", 6000, positives=20, repeats=400)
    pub = _publisher(tmp_path, load, broker.url(), "paho", rate=1500)
    assert wait_for(lambda: _stored(postgres_url, load.site) > 1500, 40)
    os.kill(_child_pid(serve.text(), 0), signal.SIGKILL)
    serve.wait_log("restarting in", timeout_s=10)
    serve.wait_log(SUBSCRIBED, timeout_s=60, count=3)
    _finish(pub)
    _check(postgres_url, load, vm)
    admin = mint_token(serve.base, TEST_BOOTSTRAP_TOKEN)
    http = httpx.Client(base_url=serve.base, headers={"Authorization": f"Bearer {admin}"})
    total = http.get("/api/v1/records", params={"site": load.site}).json()["total"]
    metrics = http.get("/metrics").text
    assert total == len(load.ids)
    stored = sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith('agrisafe_ingest_stored_total{kind="rapid_test"}')
    )
    # Counters of all processes, the killed one included, are summed; a kill between a commit
    # and its count loses at most one batch from the counter (never from the store).
    assert len(load.ids) - 1000 <= stored <= len(load.ids)
    # uvicorn re-raises SIGTERM after its graceful shutdown; the workers stopped in time.
    assert serve.stop() in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in serve.text()
    assert "did not stop; killing it" not in serve.text()


def _child_pid(log: str, index: int) -> int:
    marker = f"ingest worker process {index} started (pid "
    line = [ln for ln in log.splitlines() if marker in ln][-1]
    return int(line.split(marker, 1)[1].split(")", 1)[0])
