"""TY16 walks over a pty: a backlog longer than one walk is read in full, across restarts."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from firmware_bridge.drivers.base import Exchange
from firmware_bridge.drivers.ty16 import MAX_WALK, Step, Ty16Driver, Walk
from firmware_bridge.protocols.ty16 import Ty16Block, Ty16Channel, Ty16Decoder, Ty16Message
from firmware_bridge.readings import Kit, TestReading
from firmware_bridge.serial_link import PortSettings, PySerialLink, ReconnectingLink
from firmware_bridge.simulators.ty16 import Ty16Simulator
from firmware_bridge.state import BridgeState

KIT = Kit()
T0 = datetime(2026, 5, 1, 8, 0, 0)


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Ty16Simulator]:
    simulator = Ty16Simulator(tmp_path / "ttyTY")
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def io(sim: Ty16Simulator) -> Iterator[Exchange[Ty16Message]]:
    link = ReconnectingLink(PySerialLink(PortSettings(sim.path, baud=115200)))
    assert link.ensure_open()
    yield Exchange(link, Ty16Decoder)
    link.close()


def add_blocks(sim: Ty16Simulator, first: int, count: int) -> None:
    """Blocks one minute apart; block number `first` (0-based) is a positive."""
    for i in range(first, first + count):
        pct = 60.0 if i == first else 5.0
        sim.add_block(Ty16Block(0, T0 + timedelta(minutes=i), (Ty16Channel(1, pct, i + 1, 0),)))


def poll_until_quiet(driver: Ty16Driver, io: Exchange[Ty16Message], sink: list[TestReading]) -> int:
    """Poll (publishing into `sink`) until a poll brings nothing new; return how many polls."""
    for polls in range(1, 20):
        got = list(driver.poll(io))
        sink.extend(got)
        if not got:
            return polls
    raise AssertionError("the walk never settles")


def test_a_backlog_longer_than_one_walk_is_read_in_full(
    sim: Ty16Simulator, io: Exchange[Ty16Message]
) -> None:
    add_blocks(sim, 0, MAX_WALK + 36)  # the bridge PC was off over a weekend
    got: list[TestReading] = []

    def published(key: str) -> bool:
        return key in {r.dedupe_key for r in got}

    driver = Ty16Driver(KIT, published)
    driver.on_connect(io)
    poll_until_quiet(driver, io, got)
    assert sorted(r.sample_no or 0 for r in got) == list(range(1, MAX_WALK + 37))  # all, none twice
    oldest = next(r for r in got if r.sample_no == 1)
    assert oldest.inhibition_pct == 60.0  # the oldest block, a positive, is not lost


def test_blocks_arriving_above_an_unread_backlog_do_not_bury_it(
    sim: Ty16Simulator, io: Exchange[Ty16Message]
) -> None:
    add_blocks(sim, 0, MAX_WALK + 36)
    got: list[TestReading] = []

    def published(key: str) -> bool:
        return key in {r.dedupe_key for r in got}

    driver = Ty16Driver(KIT, published)
    got.extend(driver.poll(io))  # the newest 64; 36 older ones still unread
    add_blocks(sim, MAX_WALK + 36, MAX_WALK + 6)  # more than one walk arrives above them
    got.extend(driver.poll(io))
    assert len(got) == 2 * MAX_WALK
    poll_until_quiet(driver, io, got)
    assert sorted(r.sample_no or 0 for r in got) == list(range(1, 2 * MAX_WALK + 43))


def test_an_unfinished_walk_resumes_after_a_restart(
    tmp_path: Path, sim: Ty16Simulator, io: Exchange[Ty16Message]
) -> None:
    state = BridgeState(tmp_path / "state.db")
    add_blocks(sim, 0, MAX_WALK + 10)
    got: list[TestReading] = []

    def published(key: str) -> bool:
        return key in {r.dedupe_key for r in got}

    got.extend(Ty16Driver(KIT, published, cursors=state, name="rt-03").poll(io))
    assert len(got) == MAX_WALK
    # The bridge restarts: a new driver, the same state.
    restarted = Ty16Driver(KIT, published, cursors=state, name="rt-03")
    poll_until_quiet(restarted, io, got)
    assert sorted(r.sample_no or 0 for r in got) == list(range(1, MAX_WALK + 11))
    assert state.cursor("rt-03/ty16-gaps") is None  # nothing left to resume
    state.close()


def test_walk_decisions() -> None:
    plain = Walk(frozenset())
    assert plain.step("b9", known=False) is Step.TAKE
    assert plain.step("b8", known=True) is Step.STOP  # no gap: the first known block ends it
    assert plain.gaps_after() == frozenset()
    gap = Walk(frozenset({"b5"}))
    assert gap.step("b9", known=True) is Step.SKIP  # above the gap: keep walking
    assert gap.step("b5", known=True) is Step.SKIP  # the gap block itself: what is below is new
    assert gap.step("b4", known=False) is Step.TAKE
    assert gap.step("b3", known=True) is Step.STOP
    full = Walk(frozenset({"b1"}))
    for n in range(MAX_WALK):
        assert full.step(f"n{n}", known=False) is Step.TAKE
    assert full.full
    assert full.gaps_after() == frozenset({"b1", f"n{MAX_WALK - 1}"})  # both gaps still open
