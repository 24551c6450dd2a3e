"""The recorder against simulated instruments on ptys: publish once, reused numbers, quarantine."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from agrisafe.protocol import EnvelopeBase, Geo, GeoFix, RapidTestEnvelope, TestMethod, TestResult
from firmware_bridge.coordinator import InstrumentCoordinator
from firmware_bridge.drivers.base import Exchange, StreamDriver
from firmware_bridge.drivers.dy3000 import Dy3000Driver
from firmware_bridge.envelopes import InstrumentContext
from firmware_bridge.protocols.dy3000 import Dy3000Decoder, encode_frame
from firmware_bridge.protocols.dy3000_messages import (
    ACT_RECORD,
    Family,
    Message,
    command,
    encode_record,
)
from firmware_bridge.protocols.line import LineDecoder, LineFormat, encode_line
from firmware_bridge.readings import Kit, TestReading, from_dy3000, from_line
from firmware_bridge.recorder import TIME_KEY_SINCE, Recorder
from firmware_bridge.serial_link import PortSettings, PySerialLink, ReconnectingLink
from firmware_bridge.simulators.dy3000 import Dy3000Simulator, inhibition_record
from firmware_bridge.simulators.line import LineSimulator
from firmware_bridge.state import BridgeState
from testkit.net import wait_for

KIT = Kit()
NOW = datetime(2026, 5, 2, 12, 0, 0)  # even seconds: DY-3000 times have a 2 s resolution
CTX = InstrumentContext("SX-TG-001", "rt-01", "DY-3000#12", KIT, ZoneInfo("Asia/Shanghai"))
LOT_FORMAT = LineFormat(
    fields=("time", "channel", "sample", "commodity", "method", "inhibition_pct", "lot")
)


class ListPublisher:
    """Collects envelopes; `fail` makes the next publishes raise (a full disk, say)."""

    def __init__(self) -> None:
        self.envs: list[RapidTestEnvelope] = []
        self.fail = 0

    def publish(self, env: EnvelopeBase) -> None:
        if self.fail:
            self.fail -= 1
            raise OSError("disk full")
        assert isinstance(env, RapidTestEnvelope)
        self.envs.append(env)


@pytest.fixture
def state(tmp_path: Path) -> Iterator[BridgeState]:
    st = BridgeState(tmp_path / "state.db")
    yield st
    st.close()


def recorder(state: BridgeState, pub: ListPublisher) -> Recorder:
    return Recorder(
        state, pub, site="SX-TG-001", device="bridge-01", station_geo=lambda: Geo(fix=GeoFix.NONE)
    )


def open_link(path: str) -> ReconnectingLink:
    link = ReconnectingLink(
        PySerialLink(PortSettings(path, baud=115200)), min_backoff_s=0.05, max_backoff_s=0.2
    )
    assert link.ensure_open()
    return link


def test_a_new_dy3000_record_with_a_reused_number_is_published(
    tmp_path: Path, state: BridgeState
) -> None:
    sim = Dy3000Simulator(tmp_path / "ttyDY")
    sim.start()
    link = open_link(sim.path)
    try:
        io: Exchange[Message] = Exchange(link, Dy3000Decoder)
        pub = ListPublisher()
        rec = recorder(state, pub)
        driver = Dy3000Driver(KIT, families=(Family.WET,), local_now=lambda: NOW)
        driver.on_connect(io)
        sim.add_record(inhibition_record(0, NOW - timedelta(hours=3), "黄瓜", [(1, 10.0)]))
        sim.add_record(inhibition_record(0, NOW - timedelta(hours=2), "黄瓜", [(2, 12.0)]))
        assert [rec.reading(r, CTX) for r in driver.poll(io)] == [True, True]
        with sim.lock:
            sim.records[Family.WET].clear()  # the operator cleared the instrument's memory
        sim.add_record(inhibition_record(0, NOW - timedelta(hours=1), "韭菜", [(7, 83.0)]))
        fresh = list(driver.poll(io))
        assert [r.key for r in fresh] == ["wet:1:1"]  # the number of the first record of day 1
        assert [rec.reading(r, CTX) for r in fresh] == [True]
        driver.on_connect(io)  # a reconnect reads the same record again: not a new test
        assert [rec.reading(r, CTX) for r in driver.poll(io)] == [False]
    finally:
        link.close()
        sim.stop()
    assert [(e.body.commodity, e.body.result) for e in pub.envs] == [
        ("黄瓜", TestResult.NEGATIVE),
        ("黄瓜", TestResult.NEGATIVE),
        ("韭菜", TestResult.POSITIVE),
    ]
    assert len({e.id for e in pub.envs}) == 3


def test_a_record_published_before_the_time_key_is_not_published_again(
    state: BridgeState,
) -> None:
    # The bridge before the `@time` key remembered `wet:5:1` when it published the record …
    state.mark_published(f"{CTX.device}/wet:5:1")
    # … and the upgraded bridge starts in ten minutes; the instrument's clock runs 5 min fast.
    upgrade = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(minutes=10)
    state.set_cursor(TIME_KEY_SINCE, str(int(upgrade.timestamp() * 1000)))
    pub = ListPublisher()
    rec = recorder(state, pub)
    for tested in (NOW, upgrade.replace(tzinfo=None) - timedelta(minutes=5)):
        record = inhibition_record(5, tested, "黄瓜", [(1, 70.0)])
        raw = encode_frame(command(Family.WET, ACT_RECORD), encode_record(record))
        # … so the re-read is the same record (not a second positive under a new id) …
        assert [rec.reading(r, CTX) for r in from_dy3000(record, raw, KIT)] == [False]
    assert pub.envs == []
    # … while a record tested after the upgrade reuses the number: a new test, published.
    later = inhibition_record(
        5, upgrade.replace(tzinfo=None) + timedelta(hours=1), "韭菜", [(1, 80.0)]
    )
    raw = encode_frame(command(Family.WET, ACT_RECORD), encode_record(later))
    assert [rec.reading(r, CTX) for r in from_dy3000(later, raw, KIT)] == [True]


def test_the_time_key_line_is_kept_across_restarts(state: BridgeState) -> None:
    first = state.cursor(TIME_KEY_SINCE)
    recorder(state, ListPublisher())
    kept = state.cursor(TIME_KEY_SINCE)
    assert first is None
    assert kept is not None
    recorder(state, ListPublisher())  # a restart does not move the line
    assert state.cursor(TIME_KEY_SINCE) == kept


def test_a_blank_dy3000_sample_name_falls_back_to_the_default_commodity(
    state: BridgeState,
) -> None:
    record = inhibition_record(5, NOW, "   ", [(1, 70.0)])  # a name of blanks from the keypad
    raw = encode_frame(command(Family.WET, ACT_RECORD), encode_record(record))
    pub = ListPublisher()
    rec = recorder(state, pub)
    for reading in from_dy3000(record, raw, KIT):
        assert rec.reading(reading, CTX)
    assert [(e.body.commodity, e.body.result) for e in pub.envs] == [
        (CTX.default_commodity, TestResult.POSITIVE)
    ]


def test_a_reading_the_message_refuses_is_quarantined_and_later_ones_flow(
    tmp_path: Path, state: BridgeState
) -> None:
    sim = LineSimulator(tmp_path / "ttyLN", LOT_FORMAT)
    sim.start()
    pub = ListPublisher()
    rec = recorder(state, pub)
    ctx = InstrumentContext("SX-TG-001", "rt-02", "LINE", KIT, ZoneInfo("Asia/Shanghai"))
    driver = StreamDriver(lambda d: [from_line(d.value, d.raw, KIT, TestMethod.ENZYME_INHIBITION)])
    io = Exchange(open_link(sim.path), lambda: LineDecoder(LOT_FORMAT))

    def sink(reading: TestReading) -> None:
        rec.reading(reading, ctx)

    coord = InstrumentCoordinator("rt-02", io, driver, sink)
    coord.start()
    lines = [
        ("S-1", "黄瓜", "12.0", "2026/05/01-A"),  # '/' cannot be in a lot id (a topic level)
        ("S-2", "韭菜", "78.0", "L2"),
        ("S-3", "芹菜", "3.0", "L3"),
    ]
    sent = []
    try:
        assert coord.online.wait(5)
        pub.fail = 1  # a transient outbox error is still retried, not set aside
        for n, (sample, commodity, pct, lot) in enumerate(lines):
            values = {
                "time": f"2026-05-01 08:{30 + n}:00",
                "channel": str(n + 1),
                "sample": sample,
                "commodity": commodity,
                "method": "enzyme",
                "inhibition_pct": pct,
                "lot": lot,
            }
            sent.append(encode_line(LOT_FORMAT, values))
            sim.emit(values)
        assert wait_for(lambda: len(pub.envs) == 2, 10)
    finally:
        coord.stop()
        sim.stop()
    assert [(e.body.sample, e.body.result) for e in pub.envs] == [
        ("S-2", TestResult.POSITIVE),
        ("S-3", TestResult.NEGATIVE),
    ]
    assert coord.pending == []
    (kept,) = state.quarantined()
    assert kept.raw == sent[0]
    assert kept.key.startswith("rt-02/")
    assert "lot" in kept.reason
    assert rec.quarantined == 1
    # Read again (after a restart, say): it was dealt with, neither retried nor kept twice.
    again = from_line(
        LineDecoder(LOT_FORMAT).feed(sent[0])[0].value,  # type: ignore[union-attr]
        sent[0],
        KIT,
        TestMethod.ENZYME_INHIBITION,
    )
    assert recorder(state, ListPublisher()).reading(again, ctx) is False
    assert len(state.quarantined()) == 1
