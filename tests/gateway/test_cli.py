"""`agrisafe gateway run` exits 1 when a worker thread dies, instead of running on as a process
that relays nothing (a supervisor restarts it; docs/gateway.md)."""

import os
import signal
import threading
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gateway.app import Telemetry
from gateway.cli import app as gateway_cli
from testkit.services import PrivateMosquitto

pytestmark = pytest.mark.integration


def test_run_exits_1_when_a_worker_dies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site, cloud = PrivateMosquitto(tmp_path / "site"), PrivateMosquitto(tmp_path / "cloud")
    site.start()
    cloud.start()
    config = tmp_path / "gateway.yaml"
    doc = {
        "site": "GW-CLI",
        "gateway": "gw-1",
        "local_mqtt_url": site.url(),
        "cloud_mqtt_url": cloud.url(),
        "data_dir": str(tmp_path / "data"),
        "telemetry_interval_s": 0.05,
    }
    config.write_text(yaml.safe_dump(doc))

    def broken(_self: Telemetry) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(Telemetry, "publish_now", broken)
    before = signal.getsignal(signal.SIGTERM)
    # A gateway that ignores its dead worker runs until SIGTERM: send one after 20 s, so such
    # a gateway ends this test with exit code 0 instead of hanging it.
    guard = threading.Timer(20.0, os.kill, (os.getpid(), signal.SIGTERM))
    guard.start()
    try:
        result = CliRunner().invoke(gateway_cli, ["run", "--config", str(config)])
    finally:
        guard.cancel()
        signal.signal(signal.SIGTERM, before)
        site.stop()
        cloud.stop()
    assert result.exit_code == 1, result.output
    assert "a worker died" in result.output
