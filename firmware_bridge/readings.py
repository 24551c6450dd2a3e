"""Instrument-neutral test readings, and the pure translation of each protocol's frames into them.

The maths decide every result here (kit thresholds, control checks, clamping), so the cloud
receives a decided `result` with the number that led to it; a 0 % rate stays 0.0, never absent.
"""

import hashlib
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime

from agrisafe.protocol import TestMethod, TestResult
from firmware_bridge.maths import enzyme
from firmware_bridge.maths import gold as gold_strip
from firmware_bridge.protocols.dy3000_messages import Channel, ChannelState, Method, Record
from firmware_bridge.protocols.line import LineRecord
from firmware_bridge.protocols.ty16 import Ty16Block

logger = logging.getLogger(__name__)

_METHOD_WORDS = {
    "enzyme_inhibition": TestMethod.ENZYME_INHIBITION,
    "enzyme": TestMethod.ENZYME_INHIBITION,
    "inhibition": TestMethod.ENZYME_INHIBITION,
    "酶抑制": TestMethod.ENZYME_INHIBITION,
    "酶抑制率法": TestMethod.ENZYME_INHIBITION,
    "colloidal_gold": TestMethod.COLLOIDAL_GOLD,
    "gold": TestMethod.COLLOIDAL_GOLD,
    "胶体金": TestMethod.COLLOIDAL_GOLD,
}


@dataclass(frozen=True, slots=True)
class Kit:
    """A test kit's decision rules."""

    analyte: str = "有机磷和氨基甲酸酯类"
    positive_at_pct: float = enzyme.DEFAULT_POSITIVE_AT_PCT
    suspicious_at_pct: float | None = None
    gold: gold_strip.GoldKit = field(default_factory=gold_strip.GoldKit)
    retest_matrices: tuple[str, ...] = enzyme.FALSE_POSITIVE_MATRICES


@dataclass(frozen=True, slots=True)
class TestReading:
    """One decided test result of one channel, before it becomes an envelope."""

    __test__ = False  # not a pytest class

    key: str  # stable identity on this instrument: the same test read twice has the same key
    method: TestMethod
    result: TestResult
    raw: bytes
    tested_at: datetime | None = None  # instrument-local, naive
    inhibition_pct: float | None = None
    t_c_ratio: float | None = None
    channel: int | None = None
    sample: str | None = None  # an explicit sample id from the instrument
    sample_no: int | None = None
    commodity: str | None = None
    analyte: str | None = None
    lot: str | None = None
    plot: str | None = None
    operator: str | None = None
    reason: str | None = None  # why a result is invalid
    # What tells this record from an earlier one with the same key: DY-3000 record numbers
    # start again at 1 after the memory is cleared (or wrap at 65535), their timestamp does not.
    occurrence: str | None = None

    @property
    def dedupe_key(self) -> str:
        """What the recorder remembers as published: a re-read matches it, a new record not.

        The message id stays derived from `key` and the test time (keyed with the bridge's id
        key); a record published before this key existed is recognised by its bare key and
        the time it was marked (`Recorder._published_before_upgrade`), not published again.
        """
        return self.key if self.occurrence is None else f"{self.key}@{self.occurrence}"


def _enzyme(rate: enzyme.Inhibition, kit: Kit, doubt: bool) -> tuple[TestResult, str | None]:
    result = enzyme.classify(rate, kit.positive_at_pct, kit.suspicious_at_pct)
    return enzyme.flag_suspicious(result, doubt), rate.reason


def _control_problem(record: Record) -> str | None:
    """Why the control channel (0) makes every sample of an inhibition run invalid, if it does."""
    control = next((c for c in record.channels if c.channel == 0), None)
    if control is None:
        return None  # the instrument computed the rates against its own stored control
    if control.state is not ChannelState.OK or control.value is None:
        return "control channel has no value"
    if control.value <= 0:
        return f"control ΔA {control.value:.3f} ≤ 0: the enzyme did not react"
    return None


def _dy3000_channel(
    rec: Record, ch: Channel, raw: bytes, kit: Kit, control: str | None
) -> TestReading:
    base = TestReading(
        key=f"{rec.family.value}:{rec.record_no}:{ch.channel}",
        method=TestMethod.ENZYME_INHIBITION,
        result=TestResult.INVALID,
        raw=raw,
        tested_at=rec.tested_at,
        channel=ch.channel,
        sample_no=ch.sample_no,
        commodity=rec.sample_name or None,
        occurrence=f"{rec.tested_at:%Y%m%d%H%M%S}",
    )
    if rec.method is Method.GOLD:
        result = enzyme.flag_suspicious(gold_strip.from_code(ch.gold_code), ch.suspicious)
        return replace(
            base, method=TestMethod.COLLOIDAL_GOLD, result=result, t_c_ratio=ch.t_c_ratio
        )
    if control is not None:
        rate = enzyme.Inhibition(None, control)
    elif ch.state is ChannelState.INVALID:
        rate = enzyme.Inhibition(None, "instrument reported an invalid value (FF7F)")
    else:
        rate = enzyme.checked_pct(ch.value)
    result, reason = _enzyme(rate, kit, ch.suspicious)
    return replace(base, result=result, inhibition_pct=rate.pct, reason=reason)


def from_dy3000(rec: Record, raw: bytes, kit: Kit) -> list[TestReading]:
    """Readings of a DY-3000 record: channel 0 is the control, NA channels held no sample."""
    if rec.method is Method.QUANTITATIVE:
        logger.warning("record %d: quantitative items are not rapid tests; skipped", rec.record_no)
        return []
    control = _control_problem(rec) if rec.method is Method.INHIBITION else None
    return [
        _dy3000_channel(rec, ch, raw, kit, control)
        for ch in rec.channels
        if ch.channel != 0 and ch.state is not ChannelState.NA
    ]


def from_ty16(block: Ty16Block, raw: bytes, kit: Kit) -> list[TestReading]:
    """Readings of a TY16 block: one per channel whose bit is set."""
    out = []
    for ch in block.channels:
        rate = enzyme.checked_pct(ch.value)
        result, reason = _enzyme(rate, kit, ch.status >= 192)
        key = f"{block.tested_at:%Y%m%d%H%M%S}:{block.seq}:{ch.channel}"
        out.append(
            TestReading(
                key=key,
                method=TestMethod.ENZYME_INHIBITION,
                result=result,
                raw=raw,
                tested_at=block.tested_at,
                inhibition_pct=rate.pct,
                channel=ch.channel,
                sample_no=ch.sample_no,
                reason=reason,
            )
        )
    return out


def _line_method(rec: LineRecord, default: TestMethod) -> TestMethod:
    word = rec.text.get("method")
    if word is None:
        return default
    method = _METHOD_WORDS.get(word.lower())
    if method is None:
        raise ValueError(f"unknown method {word!r}")
    return method


def from_line(rec: LineRecord, raw: bytes, kit: Kit, default: TestMethod) -> TestReading:
    """A reading from a line record: raw ΔA or C/T values go through the maths here."""
    method = _line_method(rec, default)
    f = rec.floats
    ratio: float | None = None
    if method is TestMethod.COLLOIDAL_GOLD:
        if "c_line" in f or "t_line" in f:
            readout = gold_strip.read_strip(f.get("c_line"), f.get("t_line"), kit.gold)
        else:  # only a ratio: a C line of 1 makes T equal the ratio
            readout = gold_strip.read_strip(
                1.0 if "t_c_ratio" in f else None, f.get("t_c_ratio"), kit.gold
            )
        result, reason, ratio, pct = readout.result, readout.reason, readout.t_c_ratio, None
    else:
        if "inhibition_pct" in f:
            rate = enzyme.checked_pct(f["inhibition_pct"])
        else:
            rate = enzyme.inhibition(f.get("delta_a_control"), f.get("delta_a_sample"))
        result, reason = _enzyme(rate, kit, rec.ints.get("status", 0) >= 192)
        pct = rate.pct
    t = rec.text
    return TestReading(
        key=hashlib.sha256(raw).hexdigest()[:32],
        method=method,
        result=result,
        raw=raw,
        tested_at=rec.tested_at,
        inhibition_pct=pct,
        t_c_ratio=ratio,
        channel=rec.ints.get("channel"),
        sample=t.get("sample"),
        sample_no=rec.ints.get("sample_no"),
        commodity=t.get("commodity"),
        analyte=t.get("analyte"),
        lot=t.get("lot"),
        plot=t.get("plot"),
        operator=t.get("operator"),
        reason=reason,
    )
