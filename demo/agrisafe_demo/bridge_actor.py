"""The demo's testing station: simulated instruments on pseudo-terminals, read by the real bridge.

A DY-3000 simulator and a GPS receiver simulator each sit on a pty; the firmware bridge polls
the instrument over its serial link, decides each result with the GB/T 5009.199 maths, tags it
with the station's position and publishes through the durable outbox to the demo's broker. An
inspector's GPS-tagged sampling record (with a photo hash) precedes the tests.
"""

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from agrisafe.mqtt.url import BrokerAddress
from agrisafe.protocol import EnvelopeBase
from agrisafe.worker import BackgroundWorker
from firmware_bridge.app import BridgeApp, build_app
from firmware_bridge.config import BridgeConfig
from firmware_bridge.sampling import SampleRequest
from firmware_bridge.simulators.dy3000 import Dy3000Simulator
from firmware_bridge.simulators.feeder import DEMO_TESTS, local_now, run_test
from firmware_bridge.simulators.gps import GpsSimulator

logger = logging.getLogger(__name__)
TZ = "Asia/Shanghai"
STATION = (37.4300, 112.5600)  # inside the demo site's geofence (site.yaml)
SAMPLING_SPOT = (37.4302, 112.5601)


class BridgeActor(BackgroundWorker):
    """Simulators + bridge; `on_sent(message_id, kind)` fires as each message enters the outbox."""

    def __init__(
        self,
        data_dir: Path,
        addr: BrokerAddress,
        *,
        site: str = "SX-TG-001",
        device: str = "rt-01",
        interval_s: float = 1.0,
        on_sent: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__("demo-station")
        self.site, self.device, self.interval_s = site, device, interval_s
        dev = data_dir / "dev"
        dev.mkdir(parents=True, exist_ok=True)
        self.instrument = Dy3000Simulator(dev / "ttyDY3000")
        self.gps_sim = GpsSimulator(dev / "ttyGPS", lat=SAMPLING_SPOT[0], lon=SAMPLING_SPOT[1])
        self._on_sent = on_sent
        self.bridge: BridgeApp = build_app(
            self._config(), addr, data_dir / "bridge", on_published=self._published
        )

    def _config(self) -> BridgeConfig:
        return BridgeConfig.model_validate(
            {
                "site": self.site,
                "device": "bridge-01",
                "station": {"lat": STATION[0], "lon": STATION[1], "geo_source": "fixed"},
                "gps": {"serial": {"port": self.gps_sim.path}},
                "instruments": [
                    {
                        "device": self.device,
                        "protocol": "dy3000",
                        "name": "DY-3000#12 (simulated)",
                        "serial": {"port": self.instrument.path, "baud": 115200},
                        "poll_interval_s": 0.5,
                    }
                ],
            }
        )

    def _published(self, env: EnvelopeBase) -> None:
        if self._on_sent is not None:
            self._on_sent(env.id, str(getattr(env, "kind", "")))

    def start(self) -> None:
        """Plug in the simulated devices, start the bridge, then run the tests over time."""
        self.instrument.start()
        self.gps_sim.start()
        self.bridge.start()
        super().start()

    def on_stop(self) -> None:
        """Flush the outbox briefly, unplug everything."""
        self.bridge.stop(drain_timeout_s=2.0)
        self.instrument.stop()
        self.gps_sim.stop()

    def run(self) -> None:
        """Submit the sample, then run the tests one by one."""
        tz = ZoneInfo(TZ)
        today = local_now(tz)
        positive = next(t for t in DEMO_TESTS if (t.inhibition_pct or 0) >= 50)
        photo = f"demo photo of sample {positive.sample_no}".encode()
        self.bridge.submit_sample(
            SampleRequest(
                sample=f"S-{today:%Y%m%d}-{positive.sample_no:04d}",
                commodity=positive.commodity,
                inspector="张三",
                plot="P1",
                photo_sha256=hashlib.sha256(photo).hexdigest(),
            )
        )
        for test in DEMO_TESTS:
            if self.sleep(self.interval_s):
                return
            run_test(self.instrument, test, local_now(tz))
            logger.info("station: test of sample %d (%s) finished", test.sample_no, test.commodity)
