"""Edge node process → outbox → Mosquitto → cloud, through a kill -9 and a broker outage.

Real parts throughout: the `agrisafe edge run --config` process (a file camera played in real
time), a private Mosquitto that is down while the edge works, the cloud runtime with its ingest
worker and SQLite store. The detector is a tiny ONNX graph built here (no trained model can be
downloaded): it "sees" a person spraying whenever the frame is bright.
"""

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
import yaml

from cloud.runtime import CloudRuntime
from cloud.store import quarantine
from cloud.store.records import RecordFilter, query_records
from testkit.cloud import cloud_runtime, cloud_settings
from testkit.edge_media import brightness_video, yolo_model
from testkit.net import wait_for
from testkit.services import PrivateMosquitto

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    mq = PrivateMosquitto(tmp_path / "mq")
    mq.start()
    yield mq
    mq.stop()


@pytest.fixture
def cloud(tmp_path: Path, broker: PrivateMosquitto) -> Iterator[CloudRuntime]:
    settings = cloud_settings(
        tmp_path / "cloud",
        broker.url(v5=False),
        database_url=f"sqlite:///{tmp_path / 'cloud.db'}",
        auto_register=True,
    )
    with cloud_runtime(settings) as runtime:
        yield runtime


def _rows(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db) as conn:
            sql = "SELECT COUNT(*) FROM outbox WHERE topic LIKE '%/activity'"
            (n,) = conn.execute(sql).fetchone()
    except sqlite3.OperationalError:  # the edge is still creating the file's schema
        return 0
    return int(n)


class Lines:
    """stdout lines of a process, read by a thread so that waiting for one can time out."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        self._queue: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=self._read, args=(proc.stdout,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        for line in stream:
            self._queue.put(line)

    def next(self, timeout_s: float) -> bytes:
        """The next line, or b"" when none comes in time (never hang the test)."""
        try:
            return self._queue.get(timeout=timeout_s)
        except queue.Empty:
            return b""


def _edge(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGRISAFE_")}
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "agrisafe", "edge", "run", "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=err,
            env=env,
        )


def test_kill9_and_broker_outage_deliver_every_activity_once(
    tmp_path: Path, broker: PrivateMosquitto, cloud: CloudRuntime
) -> None:
    site = f"E2E-EDGE-{uuid.uuid4().hex[:8]}"
    # Two sprayings 5 s apart: longer than the hysteresis gap (3 s), so two activities.
    segments = [(1.0, False), (3.0, True), (5.0, False), (3.0, True), (1.5, False)]
    video = brightness_video(tmp_path / "cam.mp4", segments)
    config = tmp_path / "site.yaml"
    data = tmp_path / "edge"
    config.write_text(
        yaml.safe_dump(
            {
                "site": site,
                "device": "edge-e2e",
                "mqtt_url": broker.url(v5=False),
                "data_dir": str(data),
                "model": str(yolo_model(tmp_path / "m.onnx")),
                "telemetry_interval_s": 1.0,
                "cameras": [
                    {
                        "name": "cam0",
                        "source": str(video),
                        "realtime": True,
                        "geo": {"lat": 37.43, "lon": 112.56},
                    }
                ],
            }
        ),
        "utf-8",
    )
    outbox = data / "edge-outbox.db"
    broker.stop()  # the farm's uplink is down
    first = _edge(config, tmp_path / "edge.log")
    try:
        assert wait_for(lambda: _rows(outbox) >= 2, 30), (tmp_path / "edge.log").read_text()
    finally:
        first.send_signal(signal.SIGKILL)  # mid-run: the second spraying is not over yet
        first.wait(10)
    assert _rows(outbox) == 2
    second = _edge(config, tmp_path / "edge.log")
    try:
        out = Lines(second)
        lines = [out.next(40) for _ in range(4)]  # the whole file, again
        assert all(line.startswith(b"{") for line in lines), lines
        assert _rows(outbox) == 6  # 2 left from the killed run + 4 replayed with the same ids
        broker.start()  # the uplink is back

        def activities() -> list[dict[str, object]]:
            return query_records(cloud.engine, RecordFilter(site=site, kind="activity"))[1]

        assert wait_for(lambda: len(activities()) >= 4, 30)
        assert wait_for(lambda: _rows(outbox) == 0, 30)  # every row was acknowledged
        got = activities()
        assert len(got) == 4
        assert len({r["id"] for r in got}) == 4
        assert quarantine.counts(cloud.engine) == {}  # replays were duplicates, not id reuse
        tracks: dict[object, list[object]] = {}
        for r in got:
            body = r["body"]
            assert isinstance(body, dict)
            tracks.setdefault(body["track"], []).append(body["state"])
        assert sorted(str(sorted(map(str, s))) for s in tracks.values()) == [
            "['end', 'start']",
            "['end', 'start']",
        ]
        assert wait_for(
            lambda: query_records(cloud.engine, RecordFilter(site=site, kind="telemetry"))[0] > 0,
            10,
        )
    finally:
        second.send_signal(signal.SIGINT)
        try:
            second.wait(15)
        except subprocess.TimeoutExpired:
            second.kill()
