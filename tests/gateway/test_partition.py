"""WAN partition at a real site: devices → site Mosquitto → gateway → cloud Mosquitto → cloud.

Everything is real and private to the test: two Mosquitto brokers on free loopback ports (the
site's and the cloud's), `agrisafe gateway run` as a process, the cloud runtime with its ingest
worker and SQLite store. The cloud broker is stopped while four devices publish; the gateway is
`kill -9`-ed once during the outage and once during catch-up. Afterwards every message is stored
exactly once and each device's messages arrived in the order it sent them.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select

from agrisafe.ids import new_id
from cloud.runtime import CloudRuntime
from cloud.store import tables as t
from cloud.store import trust_tables as tt
from testkit.cloud import cloud_runtime, cloud_settings
from testkit.ingestload import rapid_tests
from testkit.net import wait_for
from testkit.services import PrivateMosquitto

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]
N = int(os.environ.get("AGRISAFE_TEST_PARTITION_N", "100000"))  # ≈ 40 s on 2 quiet cores


class Gateway:
    """`python -m agrisafe gateway run` with its log in a file."""

    def __init__(self, config: Path, log: Path) -> None:
        self.config, self.log = config, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "agrisafe", "gateway", "run", "-c", str(self.config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={k: v for k, v in os.environ.items() if not k.startswith("AGRISAFE_")},
            )

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(20)


def _publish(port: int, messages: list[tuple[str, bytes]]) -> None:
    """A device-side publisher: QoS 1, waits for every PUBACK from the site broker."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, f"devices-{new_id()[-8:]}")
    client.max_inflight_messages_set(200)
    client.connect("127.0.0.1", port)
    client.loop_start()
    infos = [client.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in infos:
        info.wait_for_publish(300)
    assert all(i.is_published() for i in infos)
    client.disconnect()
    client.loop_stop()


@pytest.fixture
def brokers(tmp_path: Path) -> Iterator[tuple[PrivateMosquitto, PrivateMosquitto]]:
    site, cloud = PrivateMosquitto(tmp_path / "site"), PrivateMosquitto(tmp_path / "cloud")
    site.start()
    cloud.start()
    yield site, cloud
    site.stop()
    cloud.stop()


def _stored(runtime: CloudRuntime, site: str) -> int:
    with runtime.engine.connect() as conn:
        q = (
            select(func.count())
            .select_from(t.records)
            .where(t.records.c.site == site, t.records.c.kind == "rapid_test")
        )
        return int(conn.execute(q).scalar() or 0)


def _outbox_depth(db: Path) -> int:
    import sqlite3

    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM outbox WHERE droppable = 0").fetchone()[0])


def test_outage_and_two_gateway_kills_lose_and_duplicate_nothing(
    tmp_path: Path, brokers: tuple[PrivateMosquitto, PrivateMosquitto]
) -> None:
    site_broker, cloud_broker = brokers
    site = f"GW-{new_id()[-8:]}"
    load = rapid_tests(site, N)
    settings = cloud_settings(
        tmp_path / "cloud",
        cloud_broker.url(),
        database_url=f"sqlite:///{tmp_path / 'cloud.db'}",
        auto_register=True,
    )
    config = tmp_path / "gateway.yaml"
    config.write_text(
        f"site: {site}\ngateway: gw-1\nlocal_mqtt_url: {site_broker.url()}\n"
        f"cloud_mqtt_url: {cloud_broker.url()}\ndata_dir: {tmp_path / 'gw'}\n"
        "telemetry_interval_s: 2\n",
        "utf-8",
    )
    outbox = tmp_path / "gw" / "gateway-outbox.db"
    gateway = Gateway(config, tmp_path / "gateway.log")
    with cloud_runtime(settings) as runtime:
        gateway.start()
        try:
            first, rest = load.messages[:200], load.messages[200:]
            # Connected path first: the gateway's session exists on the site broker.
            assert wait_for(lambda: "relaying" in gateway.log.read_text(), 30)
            time.sleep(1.0)
            _publish(site_broker.port, first)
            assert wait_for(lambda: _stored(runtime, site) == len(first), 60), gateway.log
            # WAN down; devices go on; the gateway dies mid-outage and comes back.
            cloud_broker.stop()
            half = len(rest) // 2
            _publish(site_broker.port, rest[:half])
            assert wait_for(lambda: _outbox_depth(outbox) >= half // 2, 60)
            gateway.kill9()
            _publish(site_broker.port, rest[half:])  # queued by the site broker meanwhile
            gateway.start()
            assert wait_for(lambda: _outbox_depth(outbox) >= len(rest), 300), _outbox_depth(outbox)
            # WAN back; the gateway dies again during catch-up.
            cloud_broker.start()
            assert wait_for(lambda: _stored(runtime, site) > len(first) + 100, 60)
            gateway.kill9()
            gateway.start()
            assert wait_for(lambda: _stored(runtime, site) >= N, 400), _stored(runtime, site)
            assert wait_for(lambda: _outbox_depth(outbox) == 0, 120)
        finally:
            gateway.stop()
        _check_exactly_once_in_order(runtime, site, load.ids)
    log = gateway.log.read_text()
    assert "Traceback" not in log


def _check_exactly_once_in_order(runtime: CloudRuntime, site: str, ids: set[str]) -> None:
    with runtime.engine.connect() as conn:
        rows = conn.execute(
            select(t.records.c.id, t.records.c.device, t.records.c.envelope)
            .join(tt.record_chain, tt.record_chain.c.record_id == t.records.c.id)
            .where(t.records.c.site == site, t.records.c.kind == "rapid_test")
            .order_by(tt.record_chain.c.seq)
        ).all()
    assert {r.id for r in rows} == ids  # every message, once (ids are the primary key)
    assert len(rows) == len(ids)
    by_device: dict[str, list[int]] = {}
    for row in rows:
        env = row.envelope if isinstance(row.envelope, dict) else orjson.loads(row.envelope)
        by_device.setdefault(row.device, []).append(int(env["body"]["sample"].removeprefix("S-")))
        assert env["gw"]["id"] == "gw-1"  # relayed by the gateway, stamped on the way
    assert len(by_device) == 4
    for device, samples in by_device.items():
        assert samples == sorted(samples), f"{device} out of order"
