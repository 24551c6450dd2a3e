"""Acceptance: 20,000 unique + 2,000 repeated QoS 1 messages → exactly 20,000 records.

The cloud runs as `agrisafe cloud serve` in its own process, configured only through
`AGRISAFE_*` variables, against the machine's Mosquitto (MQTT 5, a private ingest group and
private site ids: other tests use the same broker); the messages come from another process.
"""

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from agrisafe.ids import new_id
from agrisafe.mqtt import BrokerAddress
from testkit.cloud import TEST_BOOTSTRAP_TOKEN, mint_token
from testkit.ingestload import rapid_tests
from testkit.net import wait_for
from testkit.procs import CloudProcess, cloud_env
from testkit.publisher import write_lines

LIB = Path(__file__).resolve().parents[1] / "lib"


@pytest.mark.integration
@pytest.mark.slow
def test_20000_unique_and_2000_repeated_messages_make_20000_records(
    tmp_path: Path, mosquitto: BrokerAddress
) -> None:
    url = f"mqtt://{mosquitto.host}:{mosquitto.port}?protocol=5"
    env = cloud_env(
        tmp_path,
        url,
        # The shared broker keeps only 1000 queued messages per client (Mosquitto's default);
        # a Receive Maximum above the burst lets it hand the whole burst over as in-flight
        # instead of dropping what does not fit in that queue (docs/scaling.md, flow control).
        ingest_receive_maximum="30000",
    )
    serve = CloudProcess(["serve"], env, tmp_path / "serve.log").start_http()
    try:
        serve.wait_log("subscribed to agrisafe/v1/+/+/+", timeout_s=60)
        site = f"ACC-{new_id()[-10:]}"
        load = rapid_tests(site, 20_000, positives=5, repeats=2_000)
        assert len(load.messages) == 22_000
        path = tmp_path / "messages.txt"
        write_lines(path, load.messages)
        pub = subprocess.run(
            [sys.executable, "-m", "testkit.publisher", str(path), url, "--rate", "5000"],
            env=os.environ | {"PYTHONPATH": str(LIB)},
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert pub.returncode == 0, pub.stdout + pub.stderr
        admin = mint_token(serve.base, TEST_BOOTSTRAP_TOKEN)
        http = httpx.Client(
            base_url=serve.base,
            headers={"Authorization": f"Bearer {admin}"},
            timeout=10,
        )

        def total() -> int:
            return int(http.get("/api/v1/records", params={"site": site}).json()["total"])

        assert wait_for(lambda: total() >= 20_000, 120), f"{total()} records"
        assert wait_for(
            lambda: http.get("/api/v1/health/detail").json()["ingest"]["received"] >= 22_000, 30
        )
        health = http.get("/api/v1/health/detail").json()["ingest"]
        assert total() == 20_000
        assert health["duplicates"] >= 2_000
        alerts = http.get("/api/v1/alerts", params={"site": site}).json()
        assert alerts["total"] == 5
    finally:
        serve.stop()
