"""rapid_test_inconsistent: a result contradicting its own inhibition (GB/T 5009.199, 50 %)."""

from hypothesis import given
from hypothesis import strategies as st

from agrisafe.protocol import RapidTestBody, TestMethod, TestResult
from cloud.rules.rapid_test import INHIBITION_POSITIVE_PCT, counts_positive, inconsistent


def body(
    result: TestResult, pct: float | None, method: TestMethod = TestMethod.ENZYME_INHIBITION
) -> RapidTestBody:
    return RapidTestBody(
        sample="S",
        commodity="白菜",
        method=method,
        analyte="有机磷",
        result=result,
        inhibition_pct=pct,
    )


def test_negative_at_72_percent_is_inconsistent_and_counts_positive() -> None:
    b = body(TestResult.NEGATIVE, 72.0)
    assert inconsistent(b)
    assert counts_positive(b)


def test_the_threshold_itself_is_positive() -> None:
    assert inconsistent(body(TestResult.NEGATIVE, 50.0))
    assert not inconsistent(body(TestResult.POSITIVE, 50.0))
    assert inconsistent(body(TestResult.POSITIVE, 49.99))


def test_gold_strips_and_missing_figures_are_never_inconsistent() -> None:
    assert not inconsistent(body(TestResult.NEGATIVE, 90.0, TestMethod.COLLOIDAL_GOLD))
    assert not inconsistent(body(TestResult.NEGATIVE, None))


def test_a_suspicious_or_invalid_label_on_a_positive_figure_counts_positive() -> None:
    # ≥ 50 % is positive whatever the label says (a hand-set label cannot certify the lot) …
    for result in (TestResult.SUSPICIOUS, TestResult.INVALID):
        assert inconsistent(body(result, 80.0))
        assert counts_positive(body(result, 50.0))
        # … and below it those labels are the cautious reading, not a contradiction.
        assert not inconsistent(body(result, 30.0))
        assert not counts_positive(body(result, 30.0))


@given(st.floats(0, 100), st.sampled_from(list(TestResult)))
def test_inconsistent_iff_the_figure_disagrees_with_the_result(
    pct: float, result: TestResult
) -> None:
    b = body(result, pct)
    figure_positive = pct >= INHIBITION_POSITIVE_PCT
    expected = (result is not TestResult.POSITIVE and figure_positive) or (
        result is TestResult.POSITIVE and not figure_positive
    )
    assert inconsistent(b) == expected
    # Whatever is reported, a certificate never passes a figure at or over the threshold.
    if figure_positive:
        assert counts_positive(b)
