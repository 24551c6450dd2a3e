"""Coordinators driving simulated instruments on ptys: polling, streaming, errors, reconnects."""

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from agrisafe.protocol import TestMethod, TestResult
from firmware_bridge.coordinator import InstrumentCoordinator
from firmware_bridge.drivers.base import Exchange, StreamDriver
from firmware_bridge.drivers.dy3000 import Dy3000Driver
from firmware_bridge.drivers.ty16 import Ty16Driver
from firmware_bridge.errors import InstrumentError
from firmware_bridge.protocols.dy3000 import Dy3000Decoder
from firmware_bridge.protocols.line import LineDecoder
from firmware_bridge.protocols.ty16 import Ty16Block, Ty16Channel, Ty16Decoder
from firmware_bridge.readings import Kit, TestReading, from_line
from firmware_bridge.serial_link import PortSettings, PySerialLink, ReconnectingLink
from firmware_bridge.simulators.dy3000 import Dy3000Simulator, inhibition_record
from firmware_bridge.simulators.feeder import DEMO_TESTS, run_test
from firmware_bridge.simulators.line import LineSimulator
from firmware_bridge.simulators.pty import PtyPort
from firmware_bridge.simulators.ty16 import Ty16Simulator
from testkit.net import wait_for

KIT = Kit()
NOW = datetime.now().replace(microsecond=0)


def link_to(path: str) -> ReconnectingLink:
    return ReconnectingLink(
        PySerialLink(PortSettings(path, baud=115200)), min_backoff_s=0.05, max_backoff_s=0.2
    )


@pytest.fixture
def started() -> Iterator[Callable[[Any], Any]]:
    """Start simulators/coordinators and always stop them."""
    items: list[Any] = []

    def start(thing: Any) -> Any:
        thing.start()
        items.append(thing)
        return thing

    yield start
    for thing in reversed(items):
        thing.stop()


def test_dy3000_polling_reads_each_record_once(
    tmp_path: Path, started: Callable[[Any], Any]
) -> None:
    sim = Dy3000Simulator(tmp_path / "ttyDY")
    started(sim)
    got: list[TestReading] = []
    driver = Dy3000Driver(KIT, poll_interval_s=0.1, response_timeout_s=1.0)
    coord = started(
        InstrumentCoordinator("rt", Exchange(link_to(sim.path), Dy3000Decoder), driver, got.append)
    )
    assert coord.online.wait(5)
    assert driver.model == "DY-3000 SIM V1.0"
    for test in DEMO_TESTS:
        run_test(sim, test, NOW)
    assert wait_for(lambda: len(got) == len(DEMO_TESTS), 10)
    answered = sim.frames_sent
    assert wait_for(lambda: sim.frames_sent >= answered + 3, 10)  # more polls: none read twice
    assert [(r.commodity, r.inhibition_pct) for r in got] == [
        (t.commodity, t.inhibition_pct) for t in DEMO_TESTS
    ]
    assert got[1].inhibition_pct == 0.0
    assert got[2].result is TestResult.POSITIVE
    assert all(r.raw.startswith(b"\x03\xff\x45") for r in got)


def test_dy3000_resyncs_through_line_noise(tmp_path: Path, started: Callable[[Any], Any]) -> None:
    sim = Dy3000Simulator(tmp_path / "ttyDY")
    sim.noise = b"\x00\x03\xff\x45\x99garbage"
    started(sim)
    got: list[TestReading] = []
    driver = Dy3000Driver(KIT, poll_interval_s=0.1)
    io = Exchange(link_to(sim.path), Dy3000Decoder)
    started(InstrumentCoordinator("rt", io, driver, got.append))
    sim.add_record(inhibition_record(0, NOW, "黄瓜", [(1, 0.0), (2, 77.0)]))
    assert wait_for(lambda: len(got) == 2, 10)
    assert [r.inhibition_pct for r in got] == [0.0, 77.0]
    assert io.rejections > 0


def test_dy3000_reconnects_and_handshakes_again(
    tmp_path: Path, started: Callable[[Any], Any]
) -> None:
    sim = Dy3000Simulator(tmp_path / "ttyDY")
    started(sim)
    got: dict[str, TestReading] = {}  # by key: after a reconnect records are read again

    def sink(r: TestReading) -> None:
        got[r.key] = r

    link = link_to(sim.path)
    driver = Dy3000Driver(KIT, poll_interval_s=0.1)
    coord = started(InstrumentCoordinator("rt", Exchange(link, Dy3000Decoder), driver, sink))
    sim.add_record(inhibition_record(0, NOW, "黄瓜", [(1, 10.0)]))
    assert wait_for(lambda: len(got) == 1, 10)
    with sim.lock:
        sim.port.unplug()
    assert wait_for(lambda: not coord.online.is_set(), 5)
    with sim.lock:
        sim.port.replug()
    sim.add_record(inhibition_record(0, NOW, "番茄", [(2, 0.0)]))
    assert wait_for(lambda: len(got) == 2, 10)
    assert link.connects == 2
    assert got["wet:2:1"].commodity == "番茄"
    assert coord.errors >= 1


def test_no_answer_is_an_instrument_error_naming_the_port(tmp_path: Path) -> None:
    silent = PtyPort(tmp_path / "ttySILENT")
    silent.open()
    link = link_to(silent.path)
    try:
        with pytest.raises(InstrumentError, match="ttySILENT: no answer"):
            Dy3000Driver(KIT, response_timeout_s=0.2).on_connect(Exchange(link, Dy3000Decoder))
    finally:
        link.close()
        silent.close()


def test_ty16_walks_back_to_the_last_known_block(
    tmp_path: Path, started: Callable[[Any], Any]
) -> None:
    sim = started(Ty16Simulator(tmp_path / "ttyTY"))
    got: list[TestReading] = []
    published: set[str] = set()

    def sink(r: TestReading) -> None:
        got.append(r)
        published.add(r.key)

    driver = Ty16Driver(KIT, published.__contains__, poll_interval_s=0.1)
    started(InstrumentCoordinator("ty", Exchange(link_to(sim.path), Ty16Decoder), driver, sink))
    sim.add_block(Ty16Block(0, NOW, (Ty16Channel(1, 0.0, 1, 0), Ty16Channel(2, 51.0, 2, 0))))
    sim.add_block(Ty16Block(0, NOW, (Ty16Channel(1, 20.0, 3, 0),)))
    assert wait_for(lambda: len(got) == 3, 10)
    sim.add_block(Ty16Block(0, NOW, (Ty16Channel(4, 5.0, 4, 0),)))
    assert wait_for(lambda: len(got) == 4, 10)
    answered = sim.frames_sent
    assert wait_for(lambda: sim.frames_sent >= answered + 3, 10)  # more polls: none read twice
    assert [r.sample_no for r in got] == [1, 2, 3, 4]  # oldest first, none twice
    assert got[0].inhibition_pct == 0.0
    assert got[1].result is TestResult.POSITIVE


def test_line_instrument_streams_and_sink_failures_are_retried(
    tmp_path: Path, started: Callable[[Any], Any]
) -> None:
    sim = started(LineSimulator(tmp_path / "ttyLN"))
    got: list[TestReading] = []
    failures = [1]

    def flaky(r: TestReading) -> None:
        if failures:  # the outbox refuses once (disk full): the reading must not be lost
            failures.pop()
            raise OSError("disk full")
        got.append(r)

    driver = StreamDriver(lambda d: [from_line(d.value, d.raw, KIT, TestMethod.ENZYME_INHIBITION)])
    coord = started(
        InstrumentCoordinator("ln", Exchange(link_to(sim.path), LineDecoder), driver, flaky)
    )
    assert coord.online.wait(5)
    time.sleep(0.2)
    for test in DEMO_TESTS[:3]:
        run_test(sim, test, NOW)
    sim.port.write(b"line noise\r\n")
    assert wait_for(lambda: len(got) == 3, 10)
    assert [r.inhibition_pct for r in got] == [12.4, 0.0, 63.5]
    assert wait_for(lambda: coord.io.rejections == 1, 5)
