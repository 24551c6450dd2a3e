"""GB/T 5009.199 enzyme-inhibition maths: absorbance, ΔA, inhibition %, guards, classification."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agrisafe.protocol import TestResult
from firmware_bridge.maths.enzyme import (
    absorbance,
    checked_pct,
    classify,
    delta_absorbance,
    flag_suspicious,
    inhibition,
    retest_advice,
)


def test_absorbance_from_dark_corrected_counts() -> None:
    # I_full = 10000 − 100, I = 1090 − 100 → A = log10(9900 / 990) = 1
    assert absorbance(1090, dark=100, full=10000) == pytest.approx(1.0)
    assert absorbance(100, dark=100, full=10000) is None  # no light through: no absorbance
    assert absorbance(500, dark=600, full=10000) is None


def test_inhibition_formula_matches_the_standard() -> None:
    # control ΔA 0.300, sample ΔA 0.120 → (0.3 − 0.12) / 0.3 = 60 %
    rate = inhibition(0.300, 0.120)
    assert rate.pct == pytest.approx(60.0)
    assert classify(rate) is TestResult.POSITIVE


def test_full_pipeline_from_counts() -> None:
    a0c, a3c = absorbance(8000, 100, 10000), absorbance(4000, 100, 10000)
    a0s, a3s = absorbance(8000, 100, 10000), absorbance(6500, 100, 10000)
    rate = inhibition(delta_absorbance(a0c, a3c), delta_absorbance(a0s, a3s))
    assert rate.pct is not None
    assert 0 < rate.pct < 100


@pytest.mark.parametrize(
    ("control", "sample"), [(0.0, 0.1), (-0.05, 0.1), (None, 0.1), (math.nan, 0.1)]
)
def test_control_that_did_not_react_is_invalid(control: float | None, sample: float) -> None:
    rate = inhibition(control, sample)
    assert rate.pct is None
    assert rate.reason
    assert classify(rate) is TestResult.INVALID


def test_negative_is_clamped_to_zero_and_over_100_is_invalid() -> None:
    assert inhibition(0.2, 0.25).pct == 0.0  # sample reacted faster than the control
    assert checked_pct(-3.5).pct == 0.0
    assert checked_pct(100.0).pct == 100.0
    assert checked_pct(100.01).pct is None
    assert checked_pct(math.inf).pct is None


def test_zero_is_a_negative_result_not_a_missing_one() -> None:
    rate = checked_pct(0.0)
    assert rate.valid
    assert rate.pct == 0.0
    assert classify(rate) is TestResult.NEGATIVE


def test_threshold_is_inclusive_and_configurable() -> None:
    assert classify(checked_pct(50.0)) is TestResult.POSITIVE
    assert classify(checked_pct(49.99)) is TestResult.NEGATIVE
    assert classify(checked_pct(45.0), positive_at_pct=40.0) is TestResult.POSITIVE
    assert classify(checked_pct(12.0), suspicious_at_pct=10.0) is TestResult.SUSPICIOUS


def test_instrument_doubt_raises_negative_but_never_lowers_positive() -> None:
    assert flag_suspicious(TestResult.NEGATIVE, True) is TestResult.SUSPICIOUS
    assert flag_suspicious(TestResult.POSITIVE, True) is TestResult.POSITIVE
    assert flag_suspicious(TestResult.NEGATIVE, False) is TestResult.NEGATIVE


def test_retest_advice_names_false_positive_matrices() -> None:
    assert retest_advice("黄瓜", TestResult.NEGATIVE) is None
    generic = retest_advice("黄瓜", TestResult.POSITIVE)
    assert generic is not None
    assert "复检" in generic
    assert "false-positive" not in generic
    leek = retest_advice("韭菜", TestResult.POSITIVE)
    assert leek is not None
    assert "韭菜" in leek
    assert "false-positive" in leek
    assert "葱" in (retest_advice("小葱", TestResult.SUSPICIOUS) or "")


@given(st.floats(0.001, 5), st.floats(-5, 5))
def test_inhibition_is_always_in_range_or_invalid(control: float, sample: float) -> None:
    rate = inhibition(control, sample)
    assert rate.pct is None or 0.0 <= rate.pct <= 100.0
    assert (rate.pct is None) == (classify(rate) is TestResult.INVALID)
