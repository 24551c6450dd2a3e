"""The ingest client's public-API fallback (used when paho's internals differ) on a real broker."""

import threading

import pytest

from agrisafe.ids import new_id
from agrisafe.mqtt import BrokerAddress, MqttSession
from cloud.ingest import paho_fast
from cloud.ingest.paho_fast import IngestClient
from testkit.net import wait_for


def test_the_installed_paho_gets_the_fast_path() -> None:
    """The pinned paho has every internal the fast path needs (else ingest silently slows)."""
    assert paho_fast.fast_path_supported()


@pytest.mark.integration
@pytest.mark.parametrize("which", ["mosquitto", "mosquitto_v5"])
@pytest.mark.parametrize("fast", [True, False])
def test_both_paths_receive_and_acknowledge_every_message(
    which: str, fast: bool, request: pytest.FixtureRequest
) -> None:
    addr: BrokerAddress = request.getfixturevalue(which)
    topic = f"agrisafe/v1/FB-{new_id()[-8:]}/d1/status"
    got: list[tuple[bytes, bytes, int, int]] = []
    unacked: list[int] = []
    lock = threading.Lock()

    def ingest_client() -> IngestClient:
        assert isinstance(session.client, IngestClient)
        return session.client

    def handler(t: bytes, p: bytes, mid: int, qos: int) -> None:
        # Ack every 10: Mosquitto 3.1.1 sends only 20 unacknowledged messages, so all 50
        # arrive only if `ack_many` really acknowledges.
        with lock:
            got.append((t, p, mid, qos))
            unacked.append(mid)
            if len(unacked) >= 10:
                ingest_client().ack_many(unacked)
                unacked.clear()

    session = MqttSession(
        addr,
        f"fb-{new_id()}",
        manual_ack=True,
        subscriptions=[(topic, 1)],
        client_class=IngestClient,
    )
    client = session.client
    assert isinstance(client, IngestClient)
    client.fast = fast
    if not fast:
        client.on_message = client._public_message
    client.raw_handler = handler
    pub = MqttSession(addr, f"fb-pub-{new_id()}")
    session.start()
    pub.start()
    try:
        payloads = [f"m{i}".encode() for i in range(50)]
        for p in payloads:
            pub.client.publish(topic, p, qos=1)
        assert wait_for(lambda: len(got) >= len(payloads), 10)
        assert sorted(p for _, p, _, _ in got) == sorted(payloads)
        assert {(t, q) for t, _, _, q in got} == {(topic.encode(), 1)}
    finally:
        pub.stop()
        session.stop()
