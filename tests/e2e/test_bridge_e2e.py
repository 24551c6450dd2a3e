"""Simulated instruments on ptys → firmware bridge → Mosquitto → cloud: alerts and stored fixes.

Everything is real: pseudo-terminals for the serial lines, the machine's Mosquitto, the cloud
runtime with its ingest worker, rules and SQLite store.
"""

import uuid
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from agrisafe.mqtt.url import BrokerAddress
from agrisafe.protocol import Alert
from cloud.runtime import CloudRuntime
from cloud.store import alerts
from cloud.store.records import RecordFilter, query_records
from firmware_bridge.app import build_app
from firmware_bridge.config import BridgeConfig
from firmware_bridge.sampling import SampleRequest
from firmware_bridge.simulators.dy3000 import Dy3000Simulator, inhibition_record
from firmware_bridge.simulators.feeder import local_now
from firmware_bridge.simulators.gps import GpsSimulator
from testkit.cloud import cloud_runtime, cloud_settings
from testkit.net import wait_for

pytestmark = pytest.mark.integration
SAMPLING_SPOT = (37.4311, 112.5622)


@pytest.fixture
def cloud(tmp_path: Path, mosquitto: BrokerAddress) -> Iterator[CloudRuntime]:
    settings = cloud_settings(
        tmp_path / "cloud",
        f"mqtt://{mosquitto.host}:{mosquitto.port}",
        database_url=f"sqlite:///{tmp_path / 'cloud.db'}",
        auto_register=True,
    )
    with cloud_runtime(settings) as runtime:
        yield runtime


def test_positive_raises_an_alert_and_the_sample_keeps_its_fix(
    tmp_path: Path, mosquitto: BrokerAddress, cloud: CloudRuntime
) -> None:
    site = f"E2E-BR-{uuid.uuid4().hex[:8]}"
    dy = Dy3000Simulator(tmp_path / "ttyDY")
    gps = GpsSimulator(
        tmp_path / "ttyGPS", lat=SAMPLING_SPOT[0], lon=SAMPLING_SPOT[1], interval_s=0.2
    )
    dy.start()
    gps.start()
    cfg = BridgeConfig.model_validate(
        {
            "site": site,
            "device": "bridge-e2e",
            "station": {"lat": 37.43, "lon": 112.56, "geo_source": "fixed"},
            "gps": {"serial": {"port": gps.path}},
            "instruments": [
                {
                    "device": "rt-e2e",
                    "protocol": "dy3000",
                    "name": "DY-3000#E2E",
                    "serial": {"port": dy.path, "baud": 115200},
                    "poll_interval_s": 0.2,
                }
            ],
        }
    )
    bridge = build_app(cfg, mosquitto, tmp_path / "bridge")
    bridge.start()
    try:
        assert wait_for(lambda: bridge.gps is not None and bridge.gps.position() is not None, 10)
        when = local_now(ZoneInfo("Asia/Shanghai"))
        sample_id = f"S-{when:%Y%m%d}-0003"
        # The inspector takes sample 3 in the field (GPS-tagged), then tests it at the station.
        bridge.submit_sample(SampleRequest(sample=sample_id, commodity="韭菜", inspector="张三"))
        assert wait_for(lambda: bridge.state.commodity_of(sample_id) == "韭菜", 10)
        dy.add_record(inhibition_record(0, when, "", [(1, 0.0), (2, 12.5), (3, 72.5)]))

        def positive() -> list[Alert]:
            return alerts.query(
                cloud.engine, alerts.AlertFilter(site=site, rule="rapid_test_positive")
            )[1]

        assert wait_for(lambda: len(positive()) == 1, 20)
        [alert] = alerts.query(
            cloud.engine, alerts.AlertFilter(site=site, rule="rapid_test_positive")
        )[1]
        assert alert.subject == f"sample:{sample_id}"
        assert alert.detail["inhibition_pct"] == 72.5
        assert alert.detail["commodity"] == "韭菜"  # taken from the sampling record

        _, samples = query_records(cloud.engine, RecordFilter(site=site, kind="sample"))
        [sample] = samples
        assert sample["body"]["sample"] == sample_id
        assert sample["geo"]["fix"] == "gps"
        assert sample["geo"]["lat"] == pytest.approx(SAMPLING_SPOT[0], abs=1e-6)
        assert sample["geo"]["lon"] == pytest.approx(SAMPLING_SPOT[1], abs=1e-6)
        assert sample["geo"]["hdop"] == 0.9

        assert wait_for(
            lambda: query_records(cloud.engine, RecordFilter(site=site, kind="rapid_test"))[0] == 3,
            10,
        )
        _, tests = query_records(cloud.engine, RecordFilter(site=site, kind="rapid_test"))
        by_sample = {t["body"]["sample"]: t for t in tests}
        zero = by_sample[f"S-{when:%Y%m%d}-0001"]
        assert zero["body"]["inhibition_pct"] == 0.0  # a 0 % result is stored, not dropped
        assert zero["body"]["result"] == "negative"
        assert all(t["geo"]["fix"] == "fixed" for t in tests)  # the station's surveyed position
        assert by_sample[sample_id]["body"]["raw_hex"].startswith("03ff45")
        assert "韭菜" in by_sample[sample_id]["body"]["retest_advice"]
    finally:
        bridge.stop()
        dy.stop()
        gps.stop()
