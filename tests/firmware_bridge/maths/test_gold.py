"""Colloidal-gold readout: C line, T and T/C thresholds, instrument codes."""

import pytest

from agrisafe.protocol import TestResult
from firmware_bridge.maths.gold import GoldKit, from_code, read_strip

KIT = GoldKit(mode="t_c", positive_at_or_below=0.5, negative_at_or_above=0.8)


@pytest.mark.parametrize(
    ("c", "t", "result"),
    [
        (None, 0.9, TestResult.INVALID),
        (0.01, 0.9, TestResult.INVALID),  # C line too faint: the strip did not run
        (1.0, 0.2, TestResult.POSITIVE),
        (1.0, 0.5, TestResult.POSITIVE),  # boundary ≤ A
        (1.0, 0.65, TestResult.SUSPICIOUS),
        (1.0, 0.8, TestResult.NEGATIVE),  # boundary ≥ B
        (0.5, 0.45, TestResult.NEGATIVE),  # ratio 0.9
        (1.0, 0.0, TestResult.POSITIVE),  # no T line at all: strongest positive, 0 kept
    ],
)
def test_t_over_c(c: float | None, t: float, result: TestResult) -> None:
    readout = read_strip(c, t, KIT)
    assert readout.result is result
    if result is not TestResult.INVALID:
        assert readout.t_c_ratio == pytest.approx(t / (c or 1))


def test_t_mode_ignores_c_intensity_once_present() -> None:
    kit = GoldKit(mode="t", positive_at_or_below=0.3, negative_at_or_above=0.6)
    assert read_strip(0.2, 0.7, kit).result is TestResult.NEGATIVE
    assert read_strip(2.0, 0.2, kit).t_c_ratio is None


def test_kit_thresholds_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="positive_at_or_below"):
        GoldKit(positive_at_or_below=0.8, negative_at_or_above=0.5)


def test_instrument_codes() -> None:
    assert from_code(1) is TestResult.POSITIVE
    assert from_code(2) is TestResult.NEGATIVE
    assert from_code(3) is TestResult.INVALID
    assert from_code(None) is TestResult.INVALID
