"""The renderer: deterministic by seed, labels inside the frame, YOLO files, clips with truth."""

from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from agrisafe_models import CLASS_NAMES
from agrisafe_models.render.clips import render_clip
from agrisafe_models.render.compose import clip_labels, render_still
from agrisafe_models.render.dataset import DatasetSpec, write_dataset, yolo_lines
from agrisafe_models.render.timeline import path_x


def test_same_seed_same_image_and_labels() -> None:
    a_img, a_labels = render_still(7, 192, 108)
    b_img, b_labels = render_still(7, 192, 108)
    assert np.array_equal(a_img, b_img)
    assert a_labels == b_labels
    c_img, _ = render_still(8, 192, 108)
    assert not np.array_equal(a_img, c_img)


def test_labels_lie_in_the_frame_with_known_classes() -> None:
    seen: set[int] = set()
    for seed in range(40):
        img, labels = render_still(seed, 384, 216)
        assert img.shape == (216, 384, 3)
        for cls, (x1, y1, x2, y2) in labels:
            assert 0 <= cls < len(CLASS_NAMES)
            assert 0 <= x1 < x2 <= 384
            assert 0 <= y1 < y2 <= 216
            seen.add(cls)
    assert seen == set(range(len(CLASS_NAMES)))  # 40 images show every class


def test_clip_labels_drops_mostly_outside_boxes() -> None:
    # 1/6 of the first box is inside (dropped), 56 % of the second (kept, clipped)
    labels = [(0, (-50.0, 10.0, 10.0, 50.0)), (1, (85.0, 85.0, 105.0, 105.0))]
    assert clip_labels(labels, 100, 100) == [(1, (85.0, 85.0, 100.0, 100.0))]


def test_yolo_lines_are_normalised_centre_size() -> None:
    assert yolo_lines([(2, (10.0, 20.0, 30.0, 60.0))], 100, 200) == [
        "2 0.200000 0.200000 0.200000 0.200000"
    ]


def test_dataset_has_splits_from_disjoint_seeds(tmp_path: Path) -> None:
    data = write_dataset(DatasetSpec(tmp_path, train=2, val=1, test=1, seed=5, width=96, height=54))
    meta = yaml.safe_load(data.read_text())
    assert meta["names"] == dict(enumerate(CLASS_NAMES))
    assert sorted(p.name for p in (tmp_path / "images" / "train").iterdir()) == [
        "00000005.jpg",
        "00000006.jpg",
    ]
    assert [p.name for p in (tmp_path / "labels" / "test").iterdir()] == ["02000005.txt"]
    assert [p.name for p in (tmp_path / "images" / "val").iterdir()] == ["01000005.jpg"]


def test_path_interpolates_and_holds_at_ends() -> None:
    keys = [(1.0, 0.0), (3.0, 20.0), (4.0, 20.0)]
    assert path_x(keys, 0.0) == 0.0
    assert path_x(keys, 2.0) == 10.0
    assert path_x(keys, 3.5) == 20.0
    assert path_x(keys, 9.0) == 20.0


def test_spraying_clip_truth_and_video(tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    truth = render_clip(
        out, seed=3_000_000, activity="spraying", seconds=4, width=160, height=90, fps=10
    )
    assert truth.fps == 10
    assert len(truth.activities) == 1
    act = truth.activities[0]
    assert act.activity == "spraying"
    assert 0 < act.start_s < act.end_s <= 4
    assert act.plot in truth.plots
    assert len(truth.plots[act.plot]) == 4
    cap = cv2.VideoCapture(str(out))
    frames = 0
    while cap.read()[0]:
        frames += 1
    assert frames == 40


def test_distractor_only_clip_has_no_activity() -> None:
    truth = render_clip(None, seed=3_000_002, activity="none", seconds=1, width=96, height=54)
    assert truth.activities == []


def test_unknown_activity_is_refused() -> None:
    with pytest.raises(ValueError, match="activity must be one of"):
        render_clip(None, seed=1, activity="dancing", seconds=1)
