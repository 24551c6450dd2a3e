"""Motion gating on real frames."""

import numpy as np

from edge.motion import MotionDetector
from edge.params import MotionParams


def frame(level: int, square_at: int | None = None) -> np.ndarray:
    img = np.full((360, 640, 3), level, dtype=np.uint8)
    if square_at is not None:
        img[100:180, square_at : square_at + 80] = 255
    return img


def test_static_scene_has_no_motion_and_a_moving_object_has() -> None:
    md = MotionDetector(MotionParams())
    md.update(frame(60))
    assert not md.update(frame(60)).moving
    assert md.update(frame(60, square_at=200)).moving


def test_light_switch_recalibrates_instead_of_motion() -> None:
    md = MotionDetector(MotionParams())
    md.update(frame(20))
    r = md.update(frame(220))  # IR switch / lightning: the whole frame changed
    assert r.recalibrated
    assert not r.moving
    assert not md.update(frame(220)).moving


def test_regions_are_where_the_frame_moved_in_frame_pixels() -> None:
    md = MotionDetector(MotionParams())
    md.update(frame(60))
    assert md.regions() == []  # the first frame only sets the background
    md.update(frame(60, square_at=400))
    [(x1, y1, x2, y2)] = md.regions()
    # the square is at x 400-480, y 100-180; the luma is 1/3 scale and blurred: ± a few px
    assert abs(x1 - 400) <= 6
    assert abs(x2 - 480) <= 6
    assert abs(y1 - 100) <= 6
    assert abs(y2 - 180) <= 6
    md.update(frame(220))  # a light switch resets the background: no region
    assert md.regions() == []
    md.update(frame(220, square_at=100))
    assert md.regions() != []
    md.update(np.full((720, 1280, 3), 220, dtype=np.uint8))  # a new resolution: a new start
    assert md.regions() == []
