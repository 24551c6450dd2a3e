"""Readings to protocol envelopes: sample ids, stable message ids, advice, raw hex, zeros."""

import hashlib
import uuid
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import orjson
import pytest
from pydantic import ValidationError

from agrisafe.protocol import Geo, GeoFix, TestMethod, TestResult, parse_envelope
from firmware_bridge.envelopes import (
    InstrumentContext,
    SampleRecord,
    rapid_test_envelope,
    sample_envelope,
    sample_id,
    stable_id,
)
from firmware_bridge.readings import Kit, TestReading

TZ = ZoneInfo("Asia/Shanghai")
KEY = bytes(range(32))
CTX = InstrumentContext("SX-TG-001", "rt-01", "DY-3000#12", Kit(), TZ, id_key=KEY)
WHEN = datetime(2026, 5, 1, 8, 30, tzinfo=TZ)


def reading(pct: float | None, result: TestResult, **kw: object) -> TestReading:
    return TestReading(
        key="wet:4:1",
        method=TestMethod.ENZYME_INHIBITION,
        result=result,
        raw=b"\x03\xff\x45",
        tested_at=WHEN.replace(tzinfo=None),
        inhibition_pct=pct,
        channel=1,
        sample_no=7,
        **kw,  # type: ignore[arg-type]
    )


def test_zero_inhibition_survives_into_the_json() -> None:
    env = rapid_test_envelope(
        reading(0.0, TestResult.NEGATIVE),
        CTX,
        tested_at=WHEN,
        sample="S-1",
        commodity="番茄",
        geo=None,
    )
    wire = orjson.loads(env.to_json())
    assert wire["body"]["inhibition_pct"] == 0.0
    assert wire["body"]["result"] == "negative"
    assert wire["body"]["raw_hex"] == "03ff45"
    assert wire["body"]["channel"] == 1
    assert parse_envelope(env.to_json()).id == env.id  # the cloud's parser accepts it


def test_positive_on_a_false_positive_matrix_carries_advice_and_geo() -> None:
    geo = Geo(lat=37.43, lon=112.56, fix=GeoFix.FIXED)
    env = rapid_test_envelope(
        reading(63.5, TestResult.POSITIVE),
        CTX,
        tested_at=WHEN,
        sample="S-1",
        commodity="韭菜",
        geo=geo,
    )
    assert env.body.retest_advice is not None
    assert "韭菜" in env.body.retest_advice
    assert env.geo == geo
    assert env.body.instrument == "DY-3000#12"
    assert env.body.analyte == "有机磷和氨基甲酸酯类"


def test_invalid_result_says_why() -> None:
    env = rapid_test_envelope(
        reading(None, TestResult.INVALID, reason="control ΔA 0 ≤ 0"),
        CTX,
        tested_at=WHEN,
        sample="S-1",
        commodity="黄瓜",
        geo=None,
    )
    wire = orjson.loads(env.to_json())
    assert "inhibition_pct" not in wire["body"]
    assert wire["body"]["invalid_reason"] == "control ΔA 0 ≤ 0"


def test_ids_are_stable_per_reading_and_time_ordered() -> None:
    r = reading(10.0, TestResult.NEGATIVE)
    a = rapid_test_envelope(r, CTX, tested_at=WHEN, sample="S-1", commodity="黄瓜", geo=None)
    b = rapid_test_envelope(r, CTX, tested_at=WHEN, sample="S-1", commodity="黄瓜", geo=None)
    assert a.id == b.id
    later = stable_id(WHEN.replace(minute=31), "x", KEY)
    assert stable_id(WHEN, "x", KEY) < later
    assert stable_id(WHEN, "x", KEY) != stable_id(WHEN, "y", KEY)
    assert later[14] == "7"  # UUID version 7 layout
    assert uuid.UUID(later).version == 7
    assert later[19] in "89ab"  # RFC 9562 variant


def _public_id(when: datetime, key: str) -> str:
    """The id anyone could compute before ids were keyed: 74 bits of SHA-256(key) after ms."""
    ms = int(when.timestamp() * 1000) & ((1 << 48) - 1)
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:10], "big")
    value = ms << 80 | 0x7 << 76 | (digest >> 68) << 64 | 0b10 << 62 | digest & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


def test_ids_cannot_be_computed_without_the_bridges_key() -> None:
    r = reading(78.0, TestResult.POSITIVE)
    real = rapid_test_envelope(r, CTX, tested_at=WHEN, sample="S-1", commodity="黄瓜", geo=None)
    # What a producer reads off the instrument's screen: time, site, device, record/channel.
    assert real.id != _public_id(WHEN, f"SX-TG-001/rt-01/{r.key}")
    other = replace(CTX, id_key=bytes(32))
    guessed = rapid_test_envelope(
        r, other, tested_at=WHEN, sample="S-1", commodity="黄瓜", geo=None
    )
    assert guessed.id != real.id
    # The same key (the bridge after a restart) gives the same id: the cloud sees a duplicate.
    again = replace(CTX, id_key=bytes(KEY))
    re_read = rapid_test_envelope(
        r, again, tested_at=WHEN, sample="S-1", commodity="黄瓜", geo=None
    )
    assert re_read.id == real.id
    assert parse_envelope(real.to_json()).id == real.id


def test_a_context_without_the_bridges_key_still_makes_unguessable_ids() -> None:
    bare = InstrumentContext("SX-TG-001", "rt-01", "DY-3000#12", Kit(), TZ)
    r = reading(78.0, TestResult.POSITIVE)
    env = rapid_test_envelope(r, bare, tested_at=WHEN, sample="S-1", commodity="黄瓜", geo=None)
    assert env.id != _public_id(WHEN, f"SX-TG-001/rt-01/{r.key}")
    assert env.id != stable_id(WHEN, f"SX-TG-001/rt-01/{r.key}", bytes(32))


def test_a_short_id_key_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        stable_id(WHEN, "x", b"")


def test_sample_ids_from_instrument_template_or_fallback() -> None:
    r = reading(1.0, TestResult.NEGATIVE)
    assert sample_id(r, CTX, WHEN) == "S-20260501-0007"
    explicit = reading(1.0, TestResult.NEGATIVE, sample="LAB-42")
    assert sample_id(explicit, CTX, WHEN) == "LAB-42"
    unnumbered = TestReading(
        "k", TestMethod.ENZYME_INHIBITION, TestResult.NEGATIVE, b"", channel=3, sample_no=0
    )
    assert sample_id(unnumbered, CTX, WHEN) == "rt-01-20260501083000-C3"
    bad = reading(1.0, TestResult.NEGATIVE, sample="has/slash")
    assert sample_id(bad, CTX, WHEN) == "S-20260501-0007"


def test_sample_envelope_needs_a_fix() -> None:
    rec = SampleRecord(
        "0193a4f2-7c1e-7d3a-9b2e-5f0c1d2e3a4b", "S-1", "黄瓜", "张三", photo_sha256="a" * 64
    )
    geo = Geo(lat=37.43, lon=112.56, hdop=0.9, quality="rtk")
    env = sample_envelope(rec, site="SX", device="bridge", when=WHEN, geo=geo)
    assert env.id == rec.request_id
    assert env.body.photo_sha256 == "a" * 64
    assert orjson.loads(env.to_json())["geo"]["quality"] == "rtk"
    with pytest.raises(ValidationError, match="fix"):
        sample_envelope(rec, site="SX", device="bridge", when=WHEN, geo=Geo(fix=GeoFix.NONE))
