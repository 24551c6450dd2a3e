"""Frames to decided readings: the control channel, NA channels, doubt flags, line maths, zeros."""

from datetime import datetime

import pytest

from agrisafe.protocol import TestMethod, TestResult
from firmware_bridge.protocols.dy3000_messages import Channel, ChannelState, Family, Method, Record
from firmware_bridge.protocols.line import LineFormat, encode_line, parse_line
from firmware_bridge.protocols.ty16 import Ty16Block, Ty16Channel
from firmware_bridge.readings import Kit, from_dy3000, from_line, from_ty16

WHEN = datetime(2026, 5, 1, 8, 30)
KIT = Kit()


def rec(control: Channel | None, *channels: Channel, method: Method = Method.INHIBITION) -> Record:
    chans = ((control,) if control else ()) + channels
    return Record(Family.WET, 4, 1, method, WHEN, "黄瓜", chans)


def ok(ch: int, value: float, status: int = 0) -> Channel:
    return Channel(ch, status, ChannelState.OK, value, 10 + ch)


def test_dy3000_channels_become_readings() -> None:
    record = rec(
        ok(0, 0.25),
        ok(1, 0.0),
        ok(2, 63.5),
        Channel(3, 0, ChannelState.INVALID, None, 13),
        Channel(4, 0, ChannelState.NA, None, 0),
        ok(5, 12.0, status=200),
        ok(6, -2.0),
    )
    readings = from_dy3000(record, b"\x03\xff", KIT)
    assert [r.channel for r in readings] == [1, 2, 3, 5, 6]  # control and NA are no samples
    by = {r.channel: r for r in readings}
    assert by[1].result is TestResult.NEGATIVE
    assert by[1].inhibition_pct == 0.0
    assert by[2].result is TestResult.POSITIVE
    assert by[3].result is TestResult.INVALID
    assert by[3].reason
    assert "FF7F" in by[3].reason
    assert by[5].result is TestResult.SUSPICIOUS  # status ≥ 192
    assert by[6].inhibition_pct == 0.0  # negative clamped
    assert all(r.raw == b"\x03\xff" and r.commodity == "黄瓜" for r in readings)
    assert by[2].key == "wet:4:2"


@pytest.mark.parametrize(
    "control", [ok(0, 0.0), ok(0, -0.01), Channel(0, 0, ChannelState.INVALID, None, 0)]
)
def test_a_dead_control_makes_every_channel_invalid(control: Channel) -> None:
    readings = from_dy3000(rec(control, ok(1, 70.0), ok(2, 0.0)), b"", KIT)
    assert [r.result for r in readings] == [TestResult.INVALID, TestResult.INVALID]
    assert all(r.inhibition_pct is None for r in readings)


def test_gold_and_quantitative_records() -> None:
    gold = Record(
        Family.GOLD,
        1,
        1,
        Method.GOLD,
        WHEN,
        "韭菜",
        (
            Channel(1, 0, ChannelState.OK, None, 1, 1, 0.2),
            Channel(2, 0, ChannelState.OK, None, 2, 2, None),
            Channel(3, 0, ChannelState.NA, None, 0, 3, None),
        ),
    )
    readings = from_dy3000(gold, b"", KIT)
    assert [(r.method, r.result, r.t_c_ratio) for r in readings] == [
        (TestMethod.COLLOIDAL_GOLD, TestResult.POSITIVE, 0.2),
        (TestMethod.COLLOIDAL_GOLD, TestResult.NEGATIVE, None),
    ]
    assert from_dy3000(rec(None, ok(1, 1.5), method=Method.QUANTITATIVE), b"", KIT) == []


def test_kit_threshold_is_per_instrument() -> None:
    record = rec(ok(0, 0.3), ok(1, 45.0))
    assert from_dy3000(record, b"", KIT)[0].result is TestResult.NEGATIVE
    assert from_dy3000(record, b"", Kit(positive_at_pct=40.0))[0].result is TestResult.POSITIVE


def test_ty16_channels() -> None:
    block = Ty16Block(
        3, WHEN, (Ty16Channel(1, 0.0, 5, 0), Ty16Channel(2, None, 6, 0), Ty16Channel(8, 55.0, 7, 0))
    )
    readings = from_ty16(block, b"raw", KIT)
    assert [(r.channel, r.result, r.inhibition_pct) for r in readings] == [
        (1, TestResult.NEGATIVE, 0.0),
        (2, TestResult.INVALID, None),
        (8, TestResult.POSITIVE, 55.0),
    ]
    assert readings[0].key == "20260501083000:3:1"


def line(fmt: LineFormat, **values: str) -> tuple[object, bytes]:
    raw = encode_line(fmt, values)
    return parse_line(fmt, raw.rstrip()), raw


def test_line_with_raw_absorbance_goes_through_the_maths() -> None:
    fmt = LineFormat(fields=("sample", "delta_a_control", "delta_a_sample"))
    parsed, raw = line(fmt, sample="S-1", delta_a_control="0.300", delta_a_sample="0.300")
    reading = from_line(parsed, raw, KIT, TestMethod.ENZYME_INHIBITION)  # type: ignore[arg-type]
    assert reading.inhibition_pct == 0.0
    assert reading.result is TestResult.NEGATIVE
    assert reading.sample == "S-1"
    assert reading.raw == raw


def test_line_gold_with_lines_or_ratio() -> None:
    fmt = LineFormat(fields=("sample", "method", "c_line", "t_line", "t_c_ratio"))
    parsed, raw = line(fmt, sample="S-2", method="胶体金", c_line="1.0", t_line="0.3")
    reading = from_line(parsed, raw, KIT, TestMethod.ENZYME_INHIBITION)  # type: ignore[arg-type]
    assert (reading.method, reading.result, reading.t_c_ratio) == (
        TestMethod.COLLOIDAL_GOLD,
        TestResult.POSITIVE,
        0.3,
    )
    parsed, raw = line(fmt, sample="S-3", method="gold", t_c_ratio="0.95")
    reading = from_line(parsed, raw, KIT, TestMethod.ENZYME_INHIBITION)  # type: ignore[arg-type]
    assert reading.result is TestResult.NEGATIVE
    parsed, raw = line(fmt, sample="S-4", method="gold")
    reading = from_line(parsed, raw, KIT, TestMethod.ENZYME_INHIBITION)  # type: ignore[arg-type]
    assert reading.result is TestResult.INVALID


def test_line_with_an_unknown_method_is_refused() -> None:
    fmt = LineFormat(fields=("sample", "method"))
    parsed, raw = line(fmt, sample="S-1", method="hplc")
    with pytest.raises(ValueError, match="unknown method"):
        from_line(parsed, raw, KIT, TestMethod.ENZYME_INHIBITION)  # type: ignore[arg-type]
