"""Fixtures of the ingest security tests (issue 13): a cloud on the scenario registry, hostile
message bodies, and an MQTT publisher into it."""

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from agrisafe.ids import new_id
from agrisafe.mqtt import MqttSession
from agrisafe.mqtt.broker import EmbeddedBroker
from agrisafe.protocol import Kind
from agrisafe.protocol.topics import message_topic
from testkit.cloud import RunningCloud, cloud_settings, running_cloud
from testkit.compliance import SCENARIO_REGISTRY
from testkit.messages import message
from testkit.net import free_port, start_server

TG, JX = "SX-TG-001", "SX-JX-002"  # regions 140703 and 140781
BIG = "123456789012345678901234567890"  # above 64 bits: orjson cannot dump it back


def rapid(site: str = TG, device: str = "rt-01", **body: Any) -> dict[str, Any]:
    """A fresh negative rapid test from the site's instrument."""
    return message(Kind.RAPID_TEST, site=site, device=device, **({"result": "negative"} | body))


def with_raw(env: dict[str, Any], key: str, raw_json: str) -> bytes:
    """The envelope's JSON with one more body field whose value is written as given."""
    text = orjson.dumps(env).decode()
    return (text[:-2] + f',"{key}":{raw_json}' + "}}").encode()


@pytest.fixture
def hostile_cloud(
    embedded_broker: EmbeddedBroker, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[RunningCloud]:
    """A cloud on the scenario registry; on PostgreSQL when the test asks for `database_url`."""
    url = (
        request.getfixturevalue("database_url") if "database_url" in request.fixturenames else None
    )
    settings = cloud_settings(
        tmp_path,
        f"mqtt://127.0.0.1:{embedded_broker.port}",
        registry_file=SCENARIO_REGISTRY,
        shared_subscription=False,
        database_url=url,
    )
    with running_cloud(settings) as cloud:
        yield cloud


@pytest.fixture
def publisher(embedded_broker: EmbeddedBroker) -> Iterator[MqttSession]:
    """A connected MQTT 3.1.1 client on the same broker."""
    pub = MqttSession(embedded_broker.address, f"pub-{new_id()}", max_inflight=100)
    pub.start()
    yield pub
    pub.stop()


def publish(pub: MqttSession, env: dict[str, Any], payload: bytes | None = None) -> None:
    """Publish an envelope (or raw bytes under its topic) with QoS 1 and wait for PUBACK."""
    topic = message_topic(env["site"], env["device"], Kind(env["kind"]))
    pub.client.publish(topic, payload or orjson.dumps(env), 1).wait_for_publish(10)


def stored_ids(cloud: RunningCloud, site: str = TG) -> set[str]:
    """Ids of the records stored for a site."""
    items = cloud.http.get("/api/v1/records", params={"site": site, "limit": 1000}).json()
    return {i["id"] for i in items["items"]}


def quarantined(cloud: RunningCloud, reason: str) -> dict[str, dict[str, Any]]:
    """Quarantined messages of one reason, by message id."""
    q = cloud.http.get("/api/v1/quarantine", params={"reason": reason, "limit": 1000}).json()
    return {i["message_id"]: i for i in q["items"] if i.get("message_id")}


class StockMosquitto:
    """Mosquitto on the Debian package's default settings (in-flight window 20, 1,000 queued
    messages per client, persistence on), on a free port: no tuning for ingest at all."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        root.mkdir(parents=True, exist_ok=True)
        self.config = root / "mosquitto.conf"
        self.log = root / "mosquitto.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def _argv(self, port: int) -> list[str]:
        # The Debian default file plus a listener (loopback, anonymous) and `user root` (so
        # it can write its persistence file in our temp dir); no queue or window settings.
        self.config.write_text(
            f"listener {port} 127.0.0.1\nallow_anonymous true\nuser root\n"
            f"persistence true\npersistence_location {self.root}/\n",
            "utf-8",
        )
        return ["mosquitto", "-c", str(self.config)]

    def url(self) -> str:
        """A plain mqtt:// URL, as an operator would write it."""
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> "StockMosquitto":
        """Start the broker and wait for its port."""
        self.proc, self.port = start_server(
            self._argv, self.log, self.port, may_move=self.proc is None, timeout_s=10
        )
        return self

    def stop(self) -> None:
        """SIGTERM and wait."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(15)
