"""Enzyme-inhibition maths of GB/T 5009.199-2003 (酶抑制率法), as rapid-test instruments apply it.

absorbance A = log10(I_full / I) from dark-corrected counts; ΔA = A_end − A_start over the
reaction time (3 min at 412 nm, as commonly stated); inhibition % = (ΔA_control − ΔA_sample) /
ΔA_control × 100. Invalid when ΔA_control ≤ 0 or the value exceeds 100 %; a negative value is
clamped to 0. Positive at ≥ 50 % (configurable per kit). A 0 % result is a result, never "none".
"""

import math
from dataclasses import dataclass

from agrisafe.protocol import TestResult

DEFAULT_POSITIVE_AT_PCT = 50.0
# Matrices whose own compounds inhibit the enzyme (sulphur compounds, pigments): a positive needs
# re-testing (source: domain-facts.md §4, zgsnsb.com).
FALSE_POSITIVE_MATRICES = ("葱", "蒜", "萝卜", "韭菜", "芹菜", "香菜", "茭白", "蘑菇", "番茄")


@dataclass(frozen=True, slots=True)
class Inhibition:
    """An inhibition rate, or why there is none."""

    pct: float | None
    reason: str | None = None  # set when pct is None

    @property
    def valid(self) -> bool:
        """True when the rate can be classified."""
        return self.pct is not None


def absorbance(counts: float, dark: float, full: float) -> float | None:
    """A = log10(I_full / I) with I = counts − dark, I_full = full − dark; None if not positive."""
    signal, reference = counts - dark, full - dark
    if not (signal > 0 and reference > 0) or not math.isfinite(signal / reference):
        return None
    return math.log10(reference / signal)


def delta_absorbance(a_start: float | None, a_end: float | None) -> float | None:
    """ΔA = A_end − A_start over the reaction time; None when either reading is missing."""
    if a_start is None or a_end is None:
        return None
    return a_end - a_start


def inhibition(delta_control: float | None, delta_sample: float | None) -> Inhibition:
    """Inhibition % from ΔA of the control and of the sample, with the standard's guards."""
    if delta_control is None or delta_sample is None:
        return Inhibition(None, "missing absorbance change")
    if not (math.isfinite(delta_control) and math.isfinite(delta_sample)):
        return Inhibition(None, "absorbance change is not a finite number")
    if delta_control <= 0:
        return Inhibition(None, f"control ΔA {delta_control:.4f} ≤ 0: the enzyme did not react")
    return checked_pct((delta_control - delta_sample) / delta_control * 100.0)


def checked_pct(pct: float | None) -> Inhibition:
    """An instrument-reported rate made safe: negative → 0, above 100 % or NaN → invalid."""
    if pct is None or not math.isfinite(pct):
        return Inhibition(None, "no inhibition value")
    if pct > 100.0:
        return Inhibition(None, f"inhibition {pct:.2f} % exceeds 100 %")
    return Inhibition(round(max(pct, 0.0), 4))


def classify(
    rate: Inhibition,
    positive_at_pct: float = DEFAULT_POSITIVE_AT_PCT,
    suspicious_at_pct: float | None = None,
) -> TestResult:
    """negative / suspicious / positive / invalid for a rate and a kit's thresholds."""
    if rate.pct is None:
        return TestResult.INVALID
    if rate.pct >= positive_at_pct:
        return TestResult.POSITIVE
    if suspicious_at_pct is not None and rate.pct >= suspicious_at_pct:
        return TestResult.SUSPICIOUS
    return TestResult.NEGATIVE


def flag_suspicious(result: TestResult, instrument_doubts: bool) -> TestResult:
    """The instrument's doubt flag raises negative to suspicious; it never lowers a positive."""
    if instrument_doubts and result is TestResult.NEGATIVE:
        return TestResult.SUSPICIOUS
    return result


def retest_advice(
    commodity: str, result: TestResult, matrices: tuple[str, ...] = FALSE_POSITIVE_MATRICES
) -> str | None:
    """复检 advice for a positive or suspicious result; names a false-positive matrix if any."""
    if result not in (TestResult.POSITIVE, TestResult.SUSPICIOUS):
        return None
    hit = next((m for m in matrices if m in commodity), None)
    base = "复检: re-test at least twice and confirm by another method (GB/T 5009.199)"
    if hit is None:
        return base
    return f"{base}; {hit} is a known false-positive matrix (天然酶抑制物), test a blank of it"
