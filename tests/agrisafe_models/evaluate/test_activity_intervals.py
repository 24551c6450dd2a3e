"""Interval matching maths with plain inputs and property tests."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agrisafe_models.evaluate.intervals import (
    Interval,
    Scores,
    interval_iou,
    match_intervals,
    score_clip,
    total,
)


def iv(start: float, end: float, activity: str = "spraying", plot: str = "default") -> Interval:
    return Interval(activity, start, end, plot)


def test_iou_of_half_overlap() -> None:
    # [0, 10) and [5, 15): overlap 5, union 15
    assert interval_iou(iv(0, 10), iv(5, 15)) == pytest.approx(1 / 3)


def test_iou_of_identical_and_disjoint() -> None:
    assert interval_iou(iv(2, 8), iv(2, 8)) == 1.0
    assert interval_iou(iv(0, 1), iv(2, 3)) == 0.0
    assert interval_iou(iv(1, 1), iv(1, 1)) == 0.0


def test_reversed_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="ends before"):
        iv(5, 1)


def test_matching_is_one_to_one_best_first() -> None:
    truth = [iv(0, 10)]
    predicted = [iv(1, 10), iv(0, 9.5)]  # IoU 0.9 and 0.95: the second wins, the first is an FP
    matches = match_intervals(truth, predicted)
    assert [(m.truth, m.predicted) for m in matches] == [(0, 1)]
    s = score_clip(truth, predicted)
    assert (s.true_positives, s.false_positives, s.false_negatives) == (1, 1, 0)
    assert s.precision == 0.5
    assert s.recall == 1.0
    assert s.mean_iou == pytest.approx(0.95)


def test_activity_and_plot_must_agree() -> None:
    truth = [iv(0, 10)]
    assert match_intervals(truth, [iv(0, 10, activity="harvesting")]) == []
    assert match_intervals(truth, [iv(0, 10, plot="P2")]) == []


def test_low_iou_is_a_miss_and_a_false_alarm() -> None:
    s = score_clip([iv(0, 10)], [iv(6, 20)])  # IoU 4/20 = 0.2
    assert (s.true_positives, s.false_positives, s.false_negatives) == (0, 1, 1)
    assert s.mean_iou == 0.0


def test_empty_clip_scores_perfect_rates() -> None:
    s = score_clip([], [])
    assert s.precision == 1.0
    assert s.recall == 1.0


def test_total_adds_counts_over_clips() -> None:
    a = score_clip([iv(0, 10)], [iv(0, 10)])
    b = score_clip([iv(0, 10)], [])
    c = score_clip([], [iv(3, 4)])
    t = total([a, b, c])
    assert t == Scores(1, 1, 1, 1.0)
    assert t.precision == 0.5
    assert t.recall == 0.5
    assert t.as_dict()["mean_iou"] == 1.0


intervals = st.builds(
    lambda a, d, act: Interval(act, a, a + d),
    st.floats(0, 100),
    st.floats(0, 50),
    st.sampled_from(["spraying", "harvesting"]),
)


@given(intervals, intervals)
def test_iou_is_symmetric_and_bounded(a: Interval, b: Interval) -> None:
    assert interval_iou(a, b) == pytest.approx(interval_iou(b, a))
    assert 0.0 <= interval_iou(a, b) <= 1.0


@given(st.lists(intervals, max_size=6), st.lists(intervals, max_size=6))
def test_matching_never_reuses_an_interval(truth: list[Interval], pred: list[Interval]) -> None:
    matches = match_intervals(truth, pred)
    assert len({m.truth for m in matches}) == len(matches)
    assert len({m.predicted for m in matches}) == len(matches)
    assert all(m.iou >= 0.5 for m in matches)
    s = score_clip(truth, pred)
    assert s.true_positives + s.false_negatives == len(truth)
    assert s.true_positives + s.false_positives == len(pred)
