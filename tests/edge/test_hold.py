"""A person only COCO saw, found again between sweeps by his template (`edge.hold`)."""

import cv2
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.detect.base import Detection, Image
from edge.hold import find, patch

RNG = np.random.default_rng(7)


def textured(rng: np.random.Generator) -> Image:
    """Smoothed noise, textured like a field (a flat image matches anywhere and is refused)."""
    noise = rng.integers(0, 256, (360, 640, 3), dtype=np.uint8)
    return np.asarray(cv2.GaussianBlur(noise, (5, 5), 0), dtype=np.uint8)


FIELD = textured(RNG)
HIM = Detection("person", 0.8, (300.0, 100.0, 340.0, 200.0))


def shifted(image: Image, dx: int, dy: int) -> Image:
    return np.roll(image, (dy, dx), axis=(0, 1))


def test_he_is_found_where_he_moved_with_a_score_under_the_cap() -> None:
    p = patch(FIELD, HIM)
    assert p is not None
    found = find(shifted(FIELD, 6, -4), p, 0.49)
    assert found is not None
    det, moved = found
    assert det.label == "person"
    assert det.score == 0.49  # under the tracker's high_score: it cannot start a track
    assert max(abs(a - b) for a, b in zip(det.box, (306, 96, 346, 196), strict=True)) <= 1.5
    assert moved.box == det.box
    assert moved.template is p.template  # never updated: no drift onto the background


def test_a_flat_patch_is_not_kept_and_a_gone_man_is_not_found() -> None:
    flat = np.full_like(FIELD, 90)
    assert patch(flat, HIM) is None
    p = patch(FIELD, HIM)
    assert p is not None
    other = textured(np.random.default_rng(8))
    assert find(other, p, 0.49) is None  # he left: other pixels there


def test_a_box_with_nan_or_inf_is_not_kept() -> None:
    for bad in (float("nan"), float("inf"), -float("inf")):
        assert patch(FIELD, Detection("person", 0.8, (bad, 100.0, 340.0, 200.0))) is None


def test_a_man_at_the_frame_edge_is_cut_and_not_searched_outside_it() -> None:
    p = patch(FIELD, Detection("person", 0.8, (600.0, 300.0, 660.0, 420.0)))  # half outside
    assert p is not None
    found = find(FIELD, p, 0.49)
    assert found is None or found[0].box[0] >= 0


box = st.tuples(
    st.floats(-100, 700, allow_nan=False),
    st.floats(-100, 400, allow_nan=False),
    st.floats(0, 300),
    st.floats(0, 300),
)


@settings(max_examples=60, deadline=None)
@given(box, st.integers(-30, 30), st.integers(-30, 30))
def test_any_box_and_any_move_never_crash(b: tuple[float, ...], dx: int, dy: int) -> None:
    x, y, w, h = b
    p = patch(FIELD, Detection("person", 0.9, (x, y, x + w, y + h)))
    if p is None:
        return
    found = find(shifted(FIELD, dx, dy), p, 0.49)
    if found is not None:
        assert all(np.isfinite(found[0].box))
        assert found[0].score <= 0.49
