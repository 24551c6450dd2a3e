"""Drawings of the evaluation's decisions: each kind of error in its own colour, safe names."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from agrisafe_models.evaluate.draw import (
    CUE,
    DIFFICULT,
    FALSE,
    FOUND,
    MISSED,
    ON_PERSON,
    draw_photo,
    drawing_name,
    write_drawing,
)
from agrisafe_models.evaluate.people import PersonBox
from edge.detect.base import Detection

FOUND_BOX = PersonBox((10.0, 10.0, 60.0, 150.0), False)
HEAD_ONLY = PersonBox((100.0, 10.0, 150.0, 150.0), False)
MISSED_BOX = PersonBox((200.0, 10.0, 250.0, 150.0), False)
BLURRED = PersonBox((300.0, 10.0, 350.0, 150.0), True)


def _at(picture: np.ndarray, x: float, y: float) -> tuple[int, int, int]:
    b, g, r = picture[int(y), int(x)]
    return int(b), int(g), int(r)


def test_each_person_and_detection_is_drawn_in_the_colour_of_its_outcome() -> None:
    image = np.zeros((400, 600, 3), np.uint8)
    plume = Detection("spray_plume", 0.7, (420.0, 200.0, 560.0, 300.0))
    dets = [
        Detection("person", 0.9, FOUND_BOX.box),
        Detection("person", 0.8, (110.0, 12.0, 140.0, 40.0)),  # a head
        Detection("person", 0.6, (420.0, 20.0, 460.0, 120.0)),  # on nobody
        Detection("drone", 0.5, (500.0, 330.0, 580.0, 380.0)),
        plume,
    ]
    truth = [FOUND_BOX, HEAD_ONLY, MISSED_BOX, BLURRED]
    out = draw_photo(image, dets, truth, cues=[plume])
    assert _at(out, 10, 80) == FOUND  # left edges of the labelled boxes
    assert _at(out, 100, 80) == ON_PERSON
    assert _at(out, 200, 80) == MISSED
    assert _at(out, 300, 80) == DIFFICULT
    assert _at(out, 420, 80) == FALSE
    assert _at(out, 420, 250) == CUE
    assert _at(out, 540, 380) != (0, 0, 0)  # the drone's bottom edge, in the other colour
    assert not image.any()  # the photo itself is untouched


def test_without_boxes_the_people_detections_are_drawn_as_they_are() -> None:
    out = draw_photo(
        np.zeros((200, 200, 3), np.uint8), [Detection("person", 0.9, FOUND_BOX.box)], None
    )
    assert _at(out, 10, 80) != (0, 0, 0)


@pytest.mark.parametrize(
    ("row", "name"),
    [
        ("pkg:ultralytics/assets/bus.jpg", "pkg_ultralytics_assets_bus.jpg"),
        ("negatives/csd__G02_x_i0.jpg", "negatives_csd__G02_x_i0.jpg"),
        ("repo:photos/../../etc/passwd", "repo_photos_etc_passwd.jpg"),
    ],
)
def test_drawing_names_are_flat_and_safe(row: str, name: str) -> None:
    assert drawing_name(row) == name


def test_a_drawing_is_written_as_a_readable_jpeg(tmp_path: Path) -> None:
    path = write_drawing(tmp_path / "d", "pkg:x/a.png", np.full((20, 30, 3), 90, np.uint8))
    assert path == tmp_path / "d" / "pkg_x_a.jpg"
    read = cv2.imread(str(path))
    assert read is not None
    assert read.shape == (20, 30, 3)
