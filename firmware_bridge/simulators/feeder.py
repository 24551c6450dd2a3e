"""Feeds simulators with test results over time (for `agrisafe bridge simulate` and the demo)."""

import itertools
import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from agrisafe.worker import BackgroundWorker
from firmware_bridge.protocols import INSTRUMENT_PROTOCOLS, Protocol
from firmware_bridge.protocols.ty16 import Ty16Block, Ty16Channel
from firmware_bridge.simulators.base import PtySimulator
from firmware_bridge.simulators.dy3000 import Dy3000Simulator, inhibition_record
from firmware_bridge.simulators.gps import GpsSimulator
from firmware_bridge.simulators.line import LineSimulator
from firmware_bridge.simulators.ty16 import Ty16Simulator

logger = logging.getLogger(__name__)
GPS = "gps"  # the simulated GPS receiver (it speaks Protocol.NMEA)
INSTRUMENTS = (*(p.value for p in INSTRUMENT_PROTOCOLS), GPS)


@dataclass(frozen=True, slots=True)
class SimTest:
    """One test a simulated operator runs: which sample, what it is, the inhibition rate."""

    sample_no: int
    commodity: str
    inhibition_pct: float | None


# One 0 % result (it must survive end to end) and one positive (≥ 50 %) among them.
DEMO_TESTS = (
    SimTest(1, "黄瓜", 12.4),
    SimTest(2, "番茄", 0.0),
    SimTest(3, "黄瓜", 63.5),
    SimTest(4, "韭菜", 31.0),
    SimTest(5, "黄瓜", 8.2),
)


# Most routine market and field samples pass a rapid test; a positive is the exception.
LATER_POSITIVE_SHARE = 0.02


def later_tests(first_no: int, like: tuple[SimTest, ...], rng: random.Random) -> Iterator[SimTest]:
    """Endless further tests: new sample numbers, the same commodities, rare positives.

    Repeating the first round (same samples, same positive) would make a long-running simulator
    report one positive sample over and over — each a new alert against the same producer.
    """
    commodities = [t.commodity for t in like] or ["黄瓜"]
    for sample_no in itertools.count(first_no):
        if rng.random() < LATER_POSITIVE_SHARE:
            pct = round(rng.uniform(50.0, 85.0), 1)
        else:
            pct = round(rng.uniform(0.0, 35.0), 1)
        yield SimTest(sample_no % 10000, rng.choice(commodities), pct)


def local_now(tz: tzinfo) -> datetime:
    """The wall clock of an instrument set to `tz` (naive, whole seconds)."""
    return datetime.now(tz).replace(tzinfo=None, microsecond=0)


def make_simulator(name: str, link: Path | None = None) -> PtySimulator:
    """A simulator by instrument name (dy3000, ty16, line, gps)."""
    makers: dict[str, type[PtySimulator]] = {
        Protocol.DY3000: Dy3000Simulator,
        Protocol.TY16: Ty16Simulator,
        Protocol.LINE: LineSimulator,
        GPS: GpsSimulator,
    }
    if name not in makers:
        raise ValueError(f"unknown instrument {name!r}; expected one of {', '.join(INSTRUMENTS)}")
    return makers[name](link)


def run_test(sim: PtySimulator, test: SimTest, when: datetime) -> None:
    """Make the simulated instrument finish one test (`when` is its local clock, naive)."""
    if isinstance(sim, Dy3000Simulator):
        sim.add_record(
            inhibition_record(0, when, test.commodity, [(test.sample_no, test.inhibition_pct)])
        )
    elif isinstance(sim, Ty16Simulator):
        sim.add_block(Ty16Block(0, when, (Ty16Channel(1, test.inhibition_pct, test.sample_no, 0),)))
    elif isinstance(sim, LineSimulator):
        pct = "" if test.inhibition_pct is None else f"{test.inhibition_pct:.2f}"
        sim.emit(
            {
                "time": when.strftime("%Y-%m-%d %H:%M:%S"),
                "channel": "1",
                "sample": f"S-{when:%Y%m%d}-{test.sample_no:04d}",
                "commodity": test.commodity,
                "method": "enzyme_inhibition",
                "inhibition_pct": pct,
            }
        )


class Feeder(BackgroundWorker):
    """Runs the demo tests on a simulator one after another, every `interval_s`."""

    def __init__(
        self,
        sim: PtySimulator,
        interval_s: float,
        tests: tuple[SimTest, ...] = DEMO_TESTS,
        *,
        tz: str = "Asia/Shanghai",
        repeat: bool = True,
        seed: int = 5009,
    ) -> None:
        super().__init__("sim-feeder")
        self.sim, self.interval_s, self.tests = sim, interval_s, tests
        self.tz = ZoneInfo(tz)  # instrument clocks show local time of the station
        self.repeat = repeat
        self.rng = random.Random(seed)
        self.done = 0

    def start(self) -> None:
        """Start feeding (GPS simulators need no feeding)."""
        if not isinstance(self.sim, GpsSimulator):
            super().start()

    def run(self) -> None:
        """One test every `interval_s`, until the tests run out or `stop()`."""
        for test in self._schedule():
            if self.sleep(self.interval_s):
                return
            run_test(self.sim, test, local_now(self.tz))
            self.done += 1
            logger.info(
                "simulated test %d: sample %04d %s %s %%",
                self.done,
                test.sample_no,
                test.commodity,
                test.inhibition_pct,
            )

    def _schedule(self) -> Iterator[SimTest]:
        # A station numbers its samples on, one number per sample: the first round is the
        # given tests, later rounds draw realistic results for new samples (see later_tests).
        yield from self.tests
        if self.repeat:
            yield from later_tests(len(self.tests) + 1, self.tests, self.rng)
