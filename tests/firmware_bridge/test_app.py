"""The composed bridge against simulators on ptys; the durable outbox is what it produces.

The broker address is deliberately unreachable, so every message stays in the outbox where the
test reads it (the end-to-end test with Mosquitto and the cloud is in tests/e2e).
"""

from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest

from agrisafe.mqtt.url import BrokerAddress
from agrisafe.protocol import parse_envelope
from firmware_bridge.app import BridgeApp, build_app
from firmware_bridge.config import BridgeConfig
from firmware_bridge.sampling import SampleRequest
from firmware_bridge.simulators.dy3000 import Dy3000Simulator
from firmware_bridge.simulators.feeder import DEMO_TESTS, local_now, run_test
from firmware_bridge.simulators.gps import GpsSimulator
from testkit.net import wait_for

NOWHERE = BrokerAddress("127.0.0.1", 9)  # discard port: nothing listens
SITE = "T-APP"


@pytest.fixture
def sims(tmp_path: Path) -> Iterator[tuple[Dy3000Simulator, GpsSimulator]]:
    dy, gps = Dy3000Simulator(tmp_path / "ttyDY"), GpsSimulator(tmp_path / "ttyGPS", interval_s=0.2)
    dy.start()
    gps.start()
    yield dy, gps
    dy.stop()
    gps.stop()


def config(tmp_path: Path) -> BridgeConfig:
    return BridgeConfig.model_validate(
        {
            "site": SITE,
            "station": {"lat": 37.0, "lon": 112.0},
            "gps": {"serial": {"port": str(tmp_path / "ttyGPS")}},
            "instruments": [
                {
                    "device": "rt-01",
                    "protocol": "dy3000",
                    "name": "DY-3000#12",
                    "serial": {"port": str(tmp_path / "ttyDY"), "baud": 115200},
                    "poll_interval_s": 0.2,
                }
            ],
        }
    )


def messages(app: BridgeApp) -> list[tuple[str, dict[str, object]]]:
    return [(i.topic, orjson.loads(i.payload)) for i in app.outbox.peek(0, 1000)]


def test_tests_and_samples_land_in_the_outbox_once(
    tmp_path: Path, sims: tuple[Dy3000Simulator, GpsSimulator]
) -> None:
    dy, gps = sims
    app = build_app(config(tmp_path), NOWHERE, tmp_path / "data")
    app.start()
    try:
        assert app.gps is not None
        assert wait_for(lambda: app.gps is not None and app.gps.position() is not None, 10)
        for test in DEMO_TESTS:
            run_test(dy, test, local_now(ZoneInfo("Asia/Shanghai")))
        assert wait_for(lambda: len(messages(app)) == len(DEMO_TESTS), 15)
        topics = {t for t, _ in messages(app)}
        assert topics == {f"agrisafe/v1/{SITE}/rt-01/rapid_test"}
        envs = [parse_envelope(orjson.dumps(m)) for _, m in messages(app)]
        zero = next(e for e in envs if e.body.sample.endswith("0002"))  # type: ignore[union-attr]
        assert orjson.loads(zero.to_json())["body"]["inhibition_pct"] == 0.0
        assert all(e.geo is not None and e.geo.fix.value == "gps" for e in envs)  # live fix

        gps.set_fix(0)  # the receiver loses the sky: the sample must wait, not go out at 0,0
        assert wait_for(lambda: app.gps is not None and app.gps.position() is None, 10)
        app.submit_sample(SampleRequest(sample="S-9", commodity="黄瓜", inspector="张三"))
        scanned = app.spool.scans
        assert wait_for(lambda: app.spool.scans >= scanned + 3, 10)  # it saw the request
        assert len(messages(app)) == len(DEMO_TESTS)
        gps.set_fix(4)
        assert wait_for(lambda: len(messages(app)) == len(DEMO_TESTS) + 1, 10)
        topic, sample = messages(app)[-1]
        assert topic == f"agrisafe/v1/{SITE}/bridge/sample"
        assert sample["geo"] == {
            "lat": 37.4302,
            "lon": 112.5601,
            "alt": 780.0,
            "fix": "gps",
            "hdop": 0.9,
            "quality": "rtk",
        }
    finally:
        app.stop(drain_timeout_s=0)

    again = build_app(config(tmp_path), NOWHERE, tmp_path / "data")  # restart on the same data
    again.start()
    try:
        assert wait_for(lambda: again.coordinator("rt-01").online.is_set(), 10)
        answered = dy.frames_sent  # several polls: the instrument still holds every record
        assert wait_for(lambda: dy.frames_sent >= answered + 4, 10)
        assert len(messages(again)) == len(DEMO_TESTS) + 1  # nothing published twice
    finally:
        again.stop(drain_timeout_s=0)
