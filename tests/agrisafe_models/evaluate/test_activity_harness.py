"""The clip harness renders held-out clips, calls the pipeline and scores what it returns.

The pipeline here is a plain function of the clip's truth (the harness takes any callable); the
real edge pipeline is wired by `edge_pipeline` where the edge package is installed.
"""

from datetime import datetime
from pathlib import Path

import pytest

from agrisafe_models.evaluate.activity import CLIP_START, ClipPlan, evaluate_clips
from agrisafe_models.evaluate.intervals import Interval
from agrisafe_models.render.clips import ClipTruth


def half_a_second_late(path: Path, start: datetime, truth: ClipTruth) -> list[Interval]:
    assert path.exists()
    assert start == CLIP_START
    return [Interval(a.activity, a.start_s + 0.5, a.end_s + 0.5, a.plot) for a in truth.activities]


def test_harness_scores_every_clip(tmp_path: Path) -> None:
    plan = ClipPlan(tmp_path, clips=3, seconds=6, width=96, height=54, fps=5)
    report = evaluate_clips(half_a_second_late, plan)
    assert [c["activity"] for c in report["per_clip"]] == ["spraying", "spraying", "none"]
    assert [c["seed"] for c in report["per_clip"]] == [3_000_000, 3_000_001, 3_000_002]
    assert report["true_positives"] == 2
    assert report["precision"] == 1.0
    assert report["recall"] == 1.0
    assert 0.5 <= report["mean_iou"] < 1.0
    assert (tmp_path / "clip-3000000.json").exists()
    truth = ClipTruth.model_validate_json((tmp_path / "clip-3000000.json").read_text())
    first = truth.activities[0]
    expected_iou = (first.end_s - first.start_s - 0.5) / (first.end_s - first.start_s + 0.5)
    assert report["per_clip"][0]["mean_iou"] == pytest.approx(expected_iou)
