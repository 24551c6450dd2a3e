"""OutboxPump against real brokers: in order, everything delivered, survives a broker outage."""

import logging
import threading
from pathlib import Path

import orjson
import paho.mqtt.client as mqtt
import pytest

from agrisafe.ids import new_id
from agrisafe.mqtt import BrokerAddress, MqttSession
from agrisafe.mqtt.broker import EmbeddedBroker
from agrisafe.outbox import OutboxPump, SqliteOutbox
from testkit.net import wait_for


class Collector:
    """Subscribes and records payloads in arrival order."""

    def __init__(self, addr: BrokerAddress, topic: str) -> None:
        self.payloads: list[bytes] = []
        self.topics: list[str] = []
        self._lock = threading.Lock()
        self.session = MqttSession(
            addr, f"collector-{new_id()}", subscriptions=[(topic, 1)], on_message=self._on
        )
        self.session.start()

    def _on(self, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.payloads.append(bytes(msg.payload))
            self.topics.append(msg.topic)


@pytest.mark.integration
@pytest.mark.parametrize("which", ["mosquitto", "mosquitto_v5", "embedded"])
def test_pump_delivers_everything_in_order(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    addr: BrokerAddress = (
        request.getfixturevalue("embedded_broker").address
        if which == "embedded"
        else request.getfixturevalue(which)
    )
    root = f"test/pump/{new_id()}"
    collector = Collector(addr, f"{root}/#")
    box = SqliteOutbox(tmp_path / "o.db")
    pump = OutboxPump(box, addr, client_id=f"pump-{new_id()}", window=50)
    pump.start()
    for n in range(500):
        box.put(f"{root}/m", str(n).encode())
    pump.wake()
    assert pump.wait_drained(30)
    assert wait_for(lambda: len(collector.payloads) >= 500, 10)
    pump.stop()
    collector.session.stop()
    seen = [int(p) for p in collector.payloads]
    assert seen == list(range(500))  # single publisher, QoS 1: in order, none lost
    assert pump.delivered == 500


@pytest.mark.integration
def test_presence_status_online_then_will_offline(
    embedded_broker: EmbeddedBroker, tmp_path: Path
) -> None:
    addr = embedded_broker.address
    site, device = "SITE-PRES", f"dev-{new_id()[:8]}"
    collector = Collector(addr, f"agrisafe/v1/{site}/{device}/status")
    pump = OutboxPump(
        SqliteOutbox(tmp_path / "o.db"), addr, client_id=f"p-{device}", presence=(site, device)
    )
    pump.start()
    assert wait_for(lambda: len(collector.payloads) >= 1, 10)
    pump.stop()
    assert wait_for(lambda: len(collector.payloads) >= 2, 10)
    states = [orjson.loads(p)["body"]["state"] for p in collector.payloads]
    assert states[0] == "online"
    assert states[-1] == "offline"
    assert len({orjson.loads(p)["id"] for p in collector.payloads}) == len(states)


@pytest.mark.integration
def test_pump_resumes_after_broker_outage(tmp_path: Path) -> None:
    """Rows queued while the broker is down are delivered when it comes back; none lost."""
    broker = EmbeddedBroker("127.0.0.1", 0)
    broker.start()
    port = broker.port
    root = f"test/outage/{new_id()}"
    box = SqliteOutbox(tmp_path / "o.db")
    pump = OutboxPump(box, broker.address, client_id=f"pump-{new_id()}")
    pump.start()
    assert wait_for(pump.session.connected.is_set, 10)
    broker.stop()
    assert wait_for(lambda: not pump.session.connected.is_set(), 10)
    for n in range(100):
        box.put(f"{root}/m", str(n).encode())
    rounds = pump.rounds
    pump.wake()
    assert wait_for(lambda: pump.rounds >= rounds + 3, 10)
    assert box.depth() == 100  # nothing can be delivered, nothing is dropped
    broker = EmbeddedBroker("127.0.0.1", port)
    broker.start()
    collector = Collector(broker.address, f"{root}/#")
    try:
        assert pump.wait_drained(60)
        assert wait_for(lambda: len(set(collector.payloads)) >= 100, 10)
        assert {int(p) for p in collector.payloads} == set(range(100))
    finally:
        pump.stop()
        collector.session.stop()
        broker.stop()


@pytest.mark.integration
def test_other_devices_retained_status_is_not_taken_for_a_bad_ack(
    embedded_broker: EmbeddedBroker, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # amqtt sends a new client the retained messages of every client's subscriptions (here the
    # cloud-like collector's), so a sender receives a status it never subscribed to
    addr = embedded_broker.address
    site = f"RS-{new_id()[-8:]}"
    collector = Collector(addr, "agrisafe/v1/+/+/+")
    first = OutboxPump(
        SqliteOutbox(tmp_path / "a.db"), addr, client_id="rs-a", presence=(site, "a")
    )
    first.start()
    assert wait_for(lambda: any(t.endswith("/a/status") for t in collector.topics), 10)
    second = OutboxPump(
        SqliteOutbox(tmp_path / "b.db"), addr, client_id="rs-b", presence=(site, "b")
    )
    ignored = f"ignoring agrisafe/v1/{site}/a/status: not a topic this sender subscribed to"
    with caplog.at_level(logging.DEBUG, "agrisafe.outbox.pump"):
        second.start()
        # the debug line is the proof the broker did deliver it (else the test would prove nothing)
        assert wait_for(lambda: any(r.getMessage() == ignored for r in caplog.records), 10)
        second.stop()
    first.stop()
    collector.session.stop()
    # the pump itself complained of nothing (the old code warned "ignoring a malformed cloud
    # ack"); a dropped connection the client logs and reconnects from is not this test's point
    # (amqtt under a loaded CI once dropped one with "Unspecified error" mid-test)
    pump_said = [r for r in caplog.records if r.name == "agrisafe.outbox.pump"]
    assert not [r.getMessage() for r in pump_said if r.levelno >= logging.WARNING]
