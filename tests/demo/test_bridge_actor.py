"""The demo's station over the embedded broker: real ptys, real bridge, real MQTT messages."""

import threading
import uuid
from pathlib import Path

import orjson
import paho.mqtt.client as mqtt

from agrisafe.mqtt.broker import EmbeddedBroker
from agrisafe.mqtt.client import MqttSession
from agrisafe_demo.bridge_actor import BridgeActor
from testkit.net import wait_for


def test_station_publishes_results_with_a_zero_a_positive_and_a_tagged_sample(
    tmp_path: Path, embedded_broker: EmbeddedBroker
) -> None:
    got: list[tuple[str, dict[str, object]]] = []
    lock = threading.Lock()

    def on_message(msg: mqtt.MQTTMessage) -> None:
        with lock:
            got.append((msg.topic, orjson.loads(msg.payload)))

    site = f"DEMO-{uuid.uuid4().hex[:6]}"
    listener = MqttSession(
        embedded_broker.address,
        f"listener-{site}",
        subscriptions=[(f"agrisafe/v1/{site}/+/+", 1)],
        on_message=on_message,
    )
    listener.start()
    sent: list[tuple[str, str]] = []
    actor = BridgeActor(
        tmp_path,
        embedded_broker.address,
        site=site,
        interval_s=0.2,
        on_sent=lambda i, k: sent.append((i, k)),
    )
    actor.start()
    try:

        def kinds(kind: str) -> list[dict[str, object]]:
            with lock:
                return [m for t, m in got if t.endswith(f"/{kind}")]

        assert wait_for(lambda: len(kinds("rapid_test")) == 5, 20)
        assert wait_for(lambda: len(kinds("sample")) == 1, 5)
        bodies = [m["body"] for m in kinds("rapid_test")]
        results = [(b["inhibition_pct"], b["result"]) for b in bodies]  # type: ignore[index]
        assert (0.0, "negative") in results
        assert (63.5, "positive") in results
        [sample] = kinds("sample")
        assert sample["geo"]["fix"] == "gps"  # type: ignore[index]
        assert len(sample["body"]["photo_sha256"]) == 64  # type: ignore[index]
        assert {k for _, k in sent} == {"rapid_test", "sample"}
    finally:
        actor.stop()
        listener.stop()
