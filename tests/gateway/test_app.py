"""The gateway process exits non-zero when one of its workers dies, so its supervisor restarts
it; a gateway that runs on without its relay or pump would relay nothing, silently."""

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.app import GatewayApp, build_app
from gateway.config import GatewayConfig
from testkit.net import wait_for
from testkit.services import PrivateMosquitto

pytestmark = pytest.mark.integration


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[GatewayApp]:
    site, cloud = PrivateMosquitto(tmp_path / "site"), PrivateMosquitto(tmp_path / "cloud")
    site.start()
    cloud.start()
    cfg = GatewayConfig(
        site="GW-APP",
        gateway="gw-1",
        local_mqtt_url=site.url(),
        cloud_mqtt_url=cloud.url(),
        telemetry_interval_s=0.05,
    )
    app = build_app(cfg, site.address(), cloud.address(), tmp_path / "gw")
    yield app
    site.stop()
    cloud.stop()


def test_serve_returns_zero_when_asked_to_stop(gateway: GatewayApp) -> None:
    gateway.start()
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    assert gateway.serve(stop, check_s=0.05) == 0
    assert gateway.dead() == []
    assert not gateway.relay.alive
    assert not gateway.pump.alive


def test_a_dead_worker_stops_the_gateway_with_exit_code_1(
    gateway: GatewayApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert gateway.telemetry is not None

    def broken() -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(gateway.telemetry, "publish_now", broken)
    gateway.start()
    assert wait_for(lambda: gateway.telemetry is not None and gateway.telemetry.crashed, 10)
    assert gateway.dead() == ["gateway-telemetry"]
    started = time.monotonic()
    assert gateway.serve(threading.Event(), check_s=0.05) == 1  # nobody asked it to stop
    assert time.monotonic() - started < 10
    assert not gateway.relay.alive
    assert not gateway.pump.alive
