"""Colloidal-gold strip readout (胶体金): C line present, then T or T/C thresholds.

Competitive strips: the analyte takes the gold away from the T line, so a weak T line means a
positive. No C line → invalid; value ≤ A → positive; value ≥ B → negative; in between →
suspicious. The value is T (定量法(T)) or T/C (定量法(T/C) / 比色).
"""

from dataclasses import dataclass
from typing import Literal

from agrisafe.protocol import TestResult

# The DY-3000's own gold result codes.
GOLD_CODES = {1: TestResult.POSITIVE, 2: TestResult.NEGATIVE}


@dataclass(frozen=True, slots=True)
class GoldKit:
    """Thresholds of one strip kit; `positive_at_or_below` < `negative_at_or_above`."""

    mode: Literal["t", "t_c"] = "t_c"
    positive_at_or_below: float = 0.5
    negative_at_or_above: float = 0.8
    c_line_min: float = 0.05  # below this the control line counts as absent

    def __post_init__(self) -> None:
        if not self.positive_at_or_below < self.negative_at_or_above:
            raise ValueError("a gold kit needs positive_at_or_below < negative_at_or_above")


@dataclass(frozen=True, slots=True)
class GoldReadout:
    """The decided result and the ratio used (None unless in T/C mode)."""

    result: TestResult
    t_c_ratio: float | None
    reason: str | None = None


def read_strip(c_line: float | None, t_line: float | None, kit: GoldKit) -> GoldReadout:
    """Decide a strip from its C and T line intensities."""
    if c_line is None or c_line < kit.c_line_min:
        return GoldReadout(TestResult.INVALID, None, "no C line: the strip did not run")
    if t_line is None or t_line < 0:
        return GoldReadout(TestResult.INVALID, None, "no T line reading")
    ratio = t_line / c_line
    value = ratio if kit.mode == "t_c" else t_line
    reported = round(ratio, 4) if kit.mode == "t_c" else None
    if value <= kit.positive_at_or_below:
        return GoldReadout(TestResult.POSITIVE, reported)
    if value >= kit.negative_at_or_above:
        return GoldReadout(TestResult.NEGATIVE, reported)
    return GoldReadout(TestResult.SUSPICIOUS, reported)


def from_code(code: int | None) -> TestResult:
    """An instrument result code: 1 positive, 2 negative, anything else invalid."""
    return GOLD_CODES.get(code or 0, TestResult.INVALID)
