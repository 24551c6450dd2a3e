"""MQTT → ingest → store → rules → live stream, on the real Mosquitto (3.1.1 and 5) and amqtt."""

from pathlib import Path

import pytest

from agrisafe.ids import new_id
from agrisafe.mqtt import BrokerAddress, MqttSession
from agrisafe.protocol import Kind
from agrisafe.protocol.topics import message_topic
from testkit.cloud import SseReader, cloud_settings, running_cloud
from testkit.messages import encode, message
from testkit.net import wait_for


def _url(addr: BrokerAddress) -> str:
    return f"mqtt://{addr.host}:{addr.port}" + ("?protocol=5" if addr.protocol == "5" else "")


@pytest.mark.integration
@pytest.mark.parametrize("which", ["mosquitto", "mosquitto_v5", "embedded"])
def test_mqtt_messages_are_stored_once_and_alert_streams(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    addr: BrokerAddress = (
        request.getfixturevalue("embedded_broker").address
        if which == "embedded"
        else request.getfixturevalue(which)
    )
    site = f"T-{new_id()[-10:]}"  # private site: the shared broker carries other tests' traffic
    # amqtt has no shared subscriptions: an external amqtt must be told so.
    settings = cloud_settings(
        tmp_path, _url(addr), auto_register=True, shared_subscription=which != "embedded"
    )
    with running_cloud(settings) as cloud:
        reader = SseReader(cloud.base_url, cloud.admin_token)
        pub = MqttSession(addr, f"pub-{new_id()}", max_inflight=200)
        pub.start()
        envs = [
            message(
                Kind.RAPID_TEST,
                site=site,
                device="rt-01",
                result="negative",
                inhibition_pct=float(n),
            )
            for n in range(50)
        ]
        positive = message(Kind.RAPID_TEST, site=site, device="rt-01")
        for env in [*envs, positive, *envs[:10]]:  # ten duplicates
            pub.client.publish(message_topic(site, "rt-01", Kind.RAPID_TEST), encode(env), 1)
        wrong = message(Kind.HARVEST, site=site, device="app-x")
        pub.client.publish(message_topic(site, "rt-01", Kind.HARVEST), encode(wrong), 1)

        def stored() -> int:
            return int(cloud.http.get("/api/v1/records", params={"site": site}).json()["total"])

        def mine() -> list[dict[str, object]]:
            # The shared broker carries other tests' alerts (and their retained offline
            # statuses, which this auto-registering cloud turns into device_offline alerts).
            return [a for a in reader.alerts if a["site"] == site]

        assert wait_for(lambda: stored() == 51, 20)
        assert wait_for(lambda: len(mine()) == 1, 10)
        reader.close()
        pub.stop()
        assert mine()[0]["subject"] == f"sample:{positive['body']['sample']}"

        def quarantined() -> set[str]:
            q = cloud.http.get("/api/v1/quarantine", params={"reason": "topic_mismatch"}).json()
            return {i["message_id"] for i in q["items"]}

        # Published last, so it may still be in flight when the 51 records are counted.
        assert wait_for(lambda: wrong["id"] in quarantined(), 10), quarantined()
        assert stored() == 51
