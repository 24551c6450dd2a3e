"""`/health/detail` shows ingest worker processes with their counters, and a subscription an
earlier run left in a worker's broker session (it doubled every message) is found and removed.

Real processes (`agrisafe cloud ingest|serve`), a private Mosquitto (MQTT 5) and PostgreSQL.
"""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agrisafe.ids import new_id
from agrisafe.mqtt import BrokerAddress, MqttSession
from agrisafe.mqtt.url import MqttProtocol
from agrisafe.protocol import Kind
from agrisafe.protocol.topics import INGEST_FILTER, message_topic
from testkit.cloud import TEST_BOOTSTRAP_TOKEN, mint_token
from testkit.messages import encode, message
from testkit.net import wait_for
from testkit.procs import CloudProcess, cloud_env
from testkit.services import PrivateMosquitto

pytestmark = pytest.mark.integration


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    """A broker of this test's own: the sessions it leaves behind stay here."""
    b = PrivateMosquitto(tmp_path / "broker")
    b.start()
    yield b
    b.stop()


def test_worker_processes_report_and_a_stale_subscription_is_removed(
    tmp_path: Path, broker: PrivateMosquitto, postgres_url: str
) -> None:
    url = f"mqtt://127.0.0.1:{broker.port}?protocol=5"
    env = cloud_env(tmp_path, url, database_url=postgres_url)
    # An earlier run: one ingest process on a plain persistent subscription.
    single = CloudProcess(
        ["ingest", "--index", "0"],
        env | {"AGRISAFE_SHARED_SUBSCRIPTION": "false"},
        tmp_path / "single.log",
    ).start()
    single.wait_log(f"subscribed to {INGEST_FILTER}", timeout_s=60)
    assert single.stop() == 0
    # Now the same instance with two worker processes on the shared subscription.
    serve = CloudProcess(
        ["serve"], env | {"AGRISAFE_INGEST_PROCESSES": "2"}, tmp_path / "serve.log"
    ).start_http()
    try:
        serve.wait_log("subscribed to $share/", timeout_s=60, count=2)
        serve.wait_log("from an earlier run", timeout_s=20)
        base = serve.base
        http = httpx.Client(
            base_url=base,
            headers={"Authorization": f"Bearer {mint_token(base, TEST_BOOTSTRAP_TOKEN)}"},
        )
        site = f"WH-{new_id()[-8:]}"
        pub = MqttSession(
            BrokerAddress("127.0.0.1", broker.port, protocol=MqttProtocol.V311), f"pub-{new_id()}"
        )
        pub.start()
        envs = [
            message(Kind.RAPID_TEST, site=site, device="rt-01", result="negative")
            for _ in range(40)
        ]
        sent = [
            pub.client.publish(message_topic(site, "rt-01", Kind.RAPID_TEST), encode(e), 1)
            for e in envs
        ]
        for info in sent:
            info.wait_for_publish(10)  # every PUBACK before disconnecting
        pub.stop()

        def health() -> dict[str, object]:
            body: dict[str, object] = http.get("/api/v1/health/detail").json()
            return body

        # Each message is stored once, although worker 0's old session also had the plain filter.
        assert wait_for(lambda: health()["ingest"]["stored"] >= 40, 60), str(health())  # type: ignore[index]
        found = health()
        procs = found["processes"]
        assert isinstance(procs, list)
        assert [p["index"] for p in procs] == [0, 1]
        assert all(p["alive"] and p["connected"] for p in procs)
        assert procs[0]["stale_subscription"] == INGEST_FILTER
        assert procs[1]["stale_subscription"] is None
        assert found["ingest"]["stored"] == 40  # type: ignore[index]
        assert found["ingest"]["duplicates"] == 0  # type: ignore[index]
        assert http.get("/api/v1/records", params={"site": site}).json()["total"] == 40
    finally:
        serve.stop()
