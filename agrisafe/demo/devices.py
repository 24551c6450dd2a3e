"""Simulated devices for the demo; each publishes through the real outbox and pump."""

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from agrisafe.ids import new_id
from agrisafe.mqtt.url import BrokerAddress
from agrisafe.outbox import OutboxPump, SqliteOutbox
from agrisafe.protocol import Kind, RapidTestBody, RapidTestEnvelope, TestMethod, TestResult
from agrisafe.protocol.topics import message_topic
from agrisafe.timeutil import utc_now

logger = logging.getLogger(__name__)

# (commodity, inhibition %): the kit threshold (50 %) decides the result, as an instrument does.
DEMO_TESTS: tuple[tuple[str, float], ...] = (
    ("黄瓜", 12.4),
    ("番茄", 0.0),
    ("黄瓜", 63.5),
    ("番茄", 31.0),
    ("黄瓜", 8.2),
)
POSITIVE_AT_PCT = 50.0


class SimulatedRapidTester:
    """A rapid-test instrument at the demo site publishing a result every `interval_s`."""

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
        self.site, self.device, self.interval_s = site, device, interval_s
        self.outbox = SqliteOutbox(data_dir / f"{device}-outbox.db")
        self.pump = OutboxPump(
            self.outbox, addr, client_id=f"demo-{device}", presence=(site, device)
        )
        self._on_sent = on_sent
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=device, daemon=True)

    def start(self) -> None:
        """Start publishing."""
        self.pump.start()
        self._thread.start()

    def stop(self) -> None:
        """Stop publishing and flush the outbox briefly."""
        self._stop.set()
        self._thread.join(5)
        self.pump.stop(drain_timeout_s=2.0)
        self.outbox.close()

    def _run(self) -> None:
        for n, (commodity, pct) in enumerate(DEMO_TESTS, start=1):
            if self._stop.wait(self.interval_s):
                return
            env = self.result(n, commodity, pct)
            self.outbox.put(message_topic(self.site, self.device, Kind.RAPID_TEST), env.to_json())
            self.pump.wake()
            logger.info(
                "rapid test %s: %s %.1f%% → %s",
                env.body.sample,
                commodity,
                pct,
                env.body.result.value,
            )
            if self._on_sent is not None:
                self._on_sent(env.id, env.body.result.value)

    def result(self, n: int, commodity: str, pct: float) -> RapidTestEnvelope:
        """The envelope an enzyme-inhibition instrument would send for test `n`."""
        result = TestResult.POSITIVE if pct >= POSITIVE_AT_PCT else TestResult.NEGATIVE
        now = utc_now().astimezone()  # the instrument's local time, with its offset
        return RapidTestEnvelope(
            v=1,
            id=new_id(),
            kind=Kind.RAPID_TEST,
            site=self.site,
            device=self.device,
            ts=now,
            body=RapidTestBody(
                sample=f"S-{now:%Y%m%d}-{n:03d}",
                commodity=commodity,
                method=TestMethod.ENZYME_INHIBITION,
                analyte="有机磷和氨基甲酸酯类",
                result=result,
                inhibition_pct=pct,
                instrument="DY-3000#12",
            ),
        )
