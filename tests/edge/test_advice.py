"""Commissioning advice: people too small for the model's input, cues while nobody sprays."""

import pytest

from edge.advice import SMALL_PERSON_PX, advise, input_scale
from edge.detect import load_detector
from edge.params import DetectorParams
from testkit.paths import SHIPPED_MODEL_DIR

MODEL = SHIPPED_MODEL_DIR / "model.onnx"


def test_a_good_camera_gets_no_advice() -> None:
    assert advise({"person": 0.4, "spray_plume": 0.01}, 60.0, tiled=False) == []


def test_no_person_seen_is_said() -> None:
    [line] = advise({}, None, tiled=False)
    assert line.startswith("no person was seen")


def test_small_people_get_tiles_or_a_closer_camera_when_already_tiled() -> None:
    [line] = advise({"person": 0.3}, SMALL_PERSON_PX - 14, tiled=False)
    assert "18 px" in line
    # cheapest first: one crop around motion, then the grid, then our own detector on crops
    wanted = ("sweep_motion_crop: 0.33", "sweep_tiles: [2, 2]", "detector.tiles: [2, 2]")
    assert [line.index(w) for w in wanted] == sorted(line.index(w) for w in wanted)
    assert "zooming the camera in" in line  # crops find few such people on real photos
    [line] = advise(
        {"person": 0.3}, SMALL_PERSON_PX - 14, tiled=False, sweep_tiled=True, motion_cropped=True
    )
    assert "sweep_tiles" not in line
    assert "sweep_motion_crop" not in line
    assert "detector.tiles: [2, 2]" in line
    [line] = advise({"person": 0.3}, SMALL_PERSON_PX - 14, tiled=True)
    assert "move or zoom the camera" in line
    assert "zooming" not in line  # said once


def test_cues_on_many_frames_point_at_labelling_and_thresholds() -> None:
    lines = advise({"spray_plume": 0.3, "backpack_sprayer": 0.05}, 80.0, tiled=False)
    assert [line.split(" ")[0] for line in lines] == ["spray_plume", "backpack_sprayer"]
    assert "30%" in lines[0]
    assert "class_conf.spray_plume" in lines[0]


def test_people_our_model_misses_where_coco_sees_them_point_at_the_sweep() -> None:
    [line] = advise({"person": 0.4}, 60.0, tiled=False, people=(20, 8))
    assert line.startswith("our model missed 8 of the 20 people")
    assert "40%" in line
    assert "sweep_s" in line
    assert advise({"person": 0.4}, 60.0, tiled=False, people=(20, 5)) == []  # 25 %: fine
    assert advise({"person": 0.4}, 60.0, tiled=False, people=(4, 4)) == []  # too few to say


def test_people_coco_never_sees_point_at_labelling_them_as_background() -> None:
    [line] = advise({"person": 0.4}, 60.0, tiled=False, ours=(10, 7))
    assert line.startswith("the COCO verifier saw no person at 7 of our model's 10 people")
    assert "70%" in line
    assert "unconfirmed_person" in line
    assert advise({"person": 0.4}, 60.0, tiled=False, ours=(10, 2)) == []
    assert advise({"person": 0.4}, 60.0, tiled=False, ours=(3, 3)) == []  # too few to say


def test_input_scale_is_the_letterbox_and_grows_with_tiles() -> None:
    whole = load_detector(MODEL, DetectorParams())
    tiled = load_detector(MODEL, DetectorParams(tiles=(2, 2)))
    assert input_scale(whole, 1920, 1080) == pytest.approx(320 / 1920)
    # a 2 × 2 grid with 20 % overlap: tiles of 1920 / 1.8 px wide
    assert input_scale(tiled, 1920, 1080) == pytest.approx(320 / (1920 / 1.8))
