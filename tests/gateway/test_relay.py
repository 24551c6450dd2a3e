"""A running gateway (in-process) between a site broker and a cloud broker, both real Mosquitto.

What the boundary refuses stays in the local quarantine with its raw bytes and never reaches the
cloud broker; what passes arrives stamped; devices get the gateway's ack for both (the refused
ones with their reason); the gateway's telemetry reports its backlog and device clock offsets.
"""

import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from agrisafe.identity import generate_signing_key, public_text, sign_document
from agrisafe.protocol import Kind
from gateway.app import GatewayApp, build_app
from gateway.config import GatewayConfig
from testkit.messages import encode, message, topic_of
from testkit.net import wait_for
from testkit.services import PrivateMosquitto

pytestmark = pytest.mark.integration
SITE = "GW-RELAY"
KEY = generate_signing_key()


class Watcher:
    """A subscriber that records (topic, payload)."""

    def __init__(self, port: int, topic: str) -> None:
        self.received: list[tuple[str, bytes]] = []
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, f"watch-{id(self)}")
        self.client.on_message = lambda _c, _u, m: self.received.append((m.topic, bytes(m.payload)))
        self.client.connect("127.0.0.1", port)
        self.client.subscribe(topic, 1)
        self.client.loop_start()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[GatewayApp, PrivateMosquitto, PrivateMosquitto]]:
    site, cloud = PrivateMosquitto(tmp_path / "site"), PrivateMosquitto(tmp_path / "cloud")
    site.start()
    cloud.start()
    cfg = GatewayConfig(
        site=SITE,
        gateway="gw-1",
        local_mqtt_url=site.url(),
        cloud_mqtt_url=cloud.url(),
        signatures="required",
        device_keys={"rt-01": public_text(KEY)},
        telemetry_interval_s=3600,
    )
    app = build_app(cfg, site.address(), cloud.address(), tmp_path / "gw")
    app.start()
    assert wait_for(lambda: app.relay.session.subscribed.is_set(), 10)
    yield app, site, cloud
    app.stop()
    site.stop()
    cloud.stop()


def test_boundary_quarantine_stamp_and_device_acks(
    running: tuple[GatewayApp, PrivateMosquitto, PrivateMosquitto],
) -> None:
    app, site, cloud = running
    upstream = Watcher(cloud.port, f"agrisafe/v1/{SITE}/+/+")
    acks = Watcher(site.port, f"agrisafe/cloud/v1/ack/{SITE}/+")
    good = sign_document(message(Kind.RAPID_TEST, site=SITE, device="rt-01"), KEY)
    unsigned = message(Kind.RAPID_TEST, site=SITE, device="rt-01")
    mismatch = sign_document(message(Kind.RAPID_TEST, site=SITE, device="rt-01"), KEY)
    device = mqtt.Client(CallbackAPIVersion.VERSION2, "device")
    device.connect("127.0.0.1", site.port)
    device.loop_start()
    for topic, payload in [
        (topic_of(unsigned), encode(unsigned)),
        (f"agrisafe/v1/{SITE}/cam-01/rapid_test", orjson.dumps(mismatch)),
        (f"agrisafe/v1/{SITE}/rt-01/rapid_test", b"\x00garbage"),
        (topic_of(good), orjson.dumps(good)),
    ]:
        device.publish(topic, payload, qos=1).wait_for_publish(5)
    assert wait_for(lambda: any(t.endswith("/rapid_test") for t, _p in upstream.received), 15)
    assert wait_for(lambda: app.quarantine.count() == 3, 5)
    # Only the good one went up, stamped, its content unchanged.
    relayed = [orjson.loads(p) for t, p in upstream.received if t.endswith("/rapid_test")]
    assert [d["id"] for d in relayed] == [good["id"]]
    assert relayed[0]["gw"]["id"] == "gw-1"
    reasons = sorted(k.reason for k in app.quarantine.recent())
    assert reasons == ["bad_json", "bad_signature", "topic_mismatch"]
    assert any(k.raw == b"\x00garbage" for k in app.quarantine.recent())
    # The device hears back: the good id held, the unsigned one refused with its reason.
    assert wait_for(lambda: len(acks.received) >= 2, 10)
    acked = [orjson.loads(p) for _t, p in acks.received]
    ids = {i for a in acked for i in a["ids"]}
    assert {good["id"], unsigned["id"]} <= ids
    refused = {k: v for a in acked for k, v in a.get("quarantined", {}).items()}
    assert refused[unsigned["id"]] == "bad_signature"
    # Telemetry: offsets for the device heard from, and the backlog.
    app.pump.wait_drained(10)
    from gateway.app import telemetry_body

    body = telemetry_body(app)
    assert "clock_offset_ms.rt-01" in body
    assert body["wan_connected"] == 1.0
    assert body["quarantined"] == 3.0
    for c in (upstream, acks):
        c.close()
    device.disconnect()
    device.loop_stop()


def test_a_full_outbox_pauses_the_relay_and_it_resumes_by_itself(
    running: tuple[GatewayApp, PrivateMosquitto, PrivateMosquitto],
) -> None:
    # The WAN is up but no cloud acknowledges (no ingest behind the cloud broker): the outbox
    # only grows, as in a long outage, until its bound (outbox_max_mb; tiny here).
    app, site, cloud = running
    from gateway.app import telemetry_body

    app.outbox.max_bytes = 4000
    upstream = Watcher(cloud.port, f"agrisafe/v1/{SITE}/+/+")
    acks = Watcher(site.port, f"agrisafe/cloud/v1/ack/{SITE}/+")
    device = mqtt.Client(CallbackAPIVersion.VERSION2, "device-full")
    device.connect("127.0.0.1", site.port)
    device.loop_start()
    sent = [
        sign_document(message(Kind.RAPID_TEST, site=SITE, device="rt-01"), KEY) for _ in range(12)
    ]
    for env in sent:
        device.publish(topic_of(env), orjson.dumps(env), qos=1).wait_for_publish(5)

    def acked() -> set[str]:
        return {i for _t, p in acks.received for i in orjson.loads(p)["ids"]}

    # Full: the relay holds what does not fit, acknowledges only what is on disk, and lives.
    room = 2 * len(orjson.dumps(sent[0]))

    def near_full() -> bool:
        return app.outbox.size_bytes() > app.outbox.max_bytes - room

    assert wait_for(lambda: app.relay.crashed or near_full(), 15)
    time.sleep(1.5)  # a few refused retries later
    assert app.relay.alive
    assert not app.relay.crashed
    assert app.relay.full
    assert app.dead() == []
    assert app.outbox.size_bytes() <= app.outbox.max_bytes
    stored = {orjson.loads(i.payload)["id"] for i in app.outbox.peek(0, 100)}
    assert 0 < len(stored) < len(sent)
    assert acked() == stored  # the device keeps the others in its own outbox
    body = telemetry_body(app)
    assert body["outbox_full"] == 1.0
    assert body["held"] >= 1.0
    assert app.telemetry is not None
    app.telemetry.publish_now()  # full: must not raise (it killed the telemetry thread before)
    assert wait_for(lambda: any(t.endswith("gw-1/telemetry") for t, _p in upstream.received), 10)

    # The cloud acknowledges what reached it: room again, the relay takes the rest by itself.
    ids = {e["id"] for e in sent}

    def cloud_acks_what_arrived() -> bool:
        got = {orjson.loads(p)["id"] for _t, p in upstream.received}
        rows = [i.seq for i in app.outbox.peek(0, 100) if orjson.loads(i.payload)["id"] in got]
        app.outbox.ack(rows)
        return ids <= got

    assert wait_for(cloud_acks_what_arrived, 30)
    assert wait_for(lambda: acked() >= ids, 10)
    assert wait_for(lambda: not app.relay.full, 5)
    assert app.relay.stats.full_episodes >= 1
    assert app.relay.alive
    assert telemetry_body(app)["outbox_full"] == 0.0
    for c in (upstream, acks):
        c.close()
    device.disconnect()
    device.loop_stop()
