"""Fitting calibration maps: matching, pool-adjacent-violators, reliability, and the command."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from agrisafe_models import class_id
from agrisafe_models.calibrate import Scored, ece, fit, isotonic, match, reliability
from agrisafe_models.cli import app
from edge.calibration import FILE, load_calibration
from edge.detect.base import Detection
from testkit.paths import SHIPPED_MODEL_DIR


def test_match_gives_each_truth_box_to_one_detection_best_first() -> None:
    truth = [(class_id("person"), (0.0, 0.0, 10.0, 20.0))]
    dets = [
        Detection("person", 0.6, (0, 0, 10, 20)),
        Detection("person", 0.9, (1, 0, 11, 20)),  # the better score takes the box
        Detection("drone", 0.8, (0, 0, 10, 20)),  # wrong class: never a hit
    ]
    assert match(dets, truth) == [
        Scored("person", 0.9, True),
        Scored("drone", 0.8, False),
        Scored("person", 0.6, False),
    ]


def test_isotonic_pools_violators() -> None:
    # hit rates by score 0,1,0,1,1: the (1, 0) pair in the middle is pooled to 0.5
    xs, ys = isotonic([0.1, 0.2, 0.3, 0.4, 0.5], [False, True, False, True, True])
    assert ys == [0.0, 0.5, 1.0]
    assert xs == pytest.approx([0.1, 0.25, 0.45])


@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=1, max_size=200))
def test_isotonic_is_monotone_in_range_and_keeps_the_hit_count(
    pairs: list[tuple[float, bool]],
) -> None:
    xs, ys = isotonic([s for s, _ in pairs], [h for _, h in pairs])
    assert len(xs) == len(ys) <= len(pairs)
    assert xs == sorted(xs)
    assert ys == sorted(ys)
    assert all(0 <= v <= 1 for v in (*xs, *ys))


def test_isotonic_knots_stay_in_order_for_tiny_equal_scores() -> None:
    # found by hypothesis: pooled means of equal subnormal scores rounded out of order
    tiny = 3.465235224040623e-217
    xs, _ = isotonic([tiny] * 6, [False] * 5 + [True])
    assert xs == sorted(xs)


def test_reliability_and_ece() -> None:
    scores = [0.15, 0.15, 0.85, 0.85]
    rows = reliability(scores, [False, False, True, False])
    assert [(r["n"], r["hit_rate"]) for r in rows] == [(2, 0.0), (2, 0.5)]
    assert ece(rows) == pytest.approx((2 * 0.15 + 2 * 0.35) / 4)
    assert ece([]) is None


def test_fit_leaves_out_classes_with_few_detections() -> None:
    pairs = [Scored("person", i / 40, i > 20) for i in range(40)] + [Scored("drone", 0.5, True)]
    cal = fit(pairs, "m 1", "test")
    assert set(cal.classes) == {"person"}
    assert cal.apply("person", 0.1) == 0.0
    assert cal.apply("person", 0.9) == 1.0
    assert cal.apply("drone", 0.5) == 0.5


def test_calibrate_command_writes_maps_the_edge_loads(tmp_path: Path) -> None:
    model = SHIPPED_MODEL_DIR / "model.onnx"
    res = CliRunner().invoke(
        app, ["calibrate", "--model", str(model), "--images", "40", "--out", str(tmp_path)]
    )
    assert res.exit_code == 0, res.output
    cal = load_calibration(tmp_path / "model.onnx")
    assert cal is not None
    assert "person" in cal.classes
    report = json.loads((tmp_path / "calibration-report.json").read_text())
    assert report["person"]["ece_calibrated"] is not None
    assert (tmp_path / "reliability.png").stat().st_size > 1000
    assert (tmp_path / FILE).is_file()
