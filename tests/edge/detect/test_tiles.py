"""Tiled detection: the grid covers the frame, crops' boxes come back shifted and merged."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agrisafe_models.render.compose import render_still
from edge.detect import load_detector
from edge.detect.base import Detection
from edge.detect.tiles import TiledDetector, crops_around, cut_by_crop, merge, tile_grid
from edge.geometry import iou
from edge.params import DetectorParams
from testkit.paths import SHIPPED_MODEL_DIR

MODEL = SHIPPED_MODEL_DIR / "model.onnx"


def test_one_tile_is_the_frame_and_a_grid_overlaps_its_neighbours() -> None:
    assert tile_grid(640, 360, 1, 1, 0.2) == [(0.0, 0.0, 640.0, 360.0)]
    grid = tile_grid(1000, 500, 2, 2, 0.2)
    assert len(grid) == 4
    (a, b, c, _) = grid
    assert a[0] == 0
    assert a[1] == 0
    assert grid[-1][2] == 1000
    assert grid[-1][3] == 500
    width = a[2] - a[0]
    assert b[0] == pytest.approx(0.8 * width)  # 20 % of a tile shared with the left neighbour
    assert c[1] == pytest.approx(0.8 * (a[3] - a[1]))


@pytest.mark.parametrize(("cols", "rows", "overlap"), [(0, 1, 0.2), (2, 2, 1.0), (2, 2, -0.1)])
def test_a_bad_grid_is_refused(cols: int, rows: int, overlap: float) -> None:
    with pytest.raises(ValueError, match="bad tile grid"):
        tile_grid(100, 100, cols, rows, overlap)


@pytest.mark.parametrize(
    ("box", "crop", "cut"),
    [
        ((100, 100, 150, 200), (0, 0, 600, 400), False),  # well inside
        ((100, 300, 150, 397), (0, 0, 600, 400), True),  # 3 px above the crop's bottom: cut
        ((100, 300, 150, 491), (0, 0, 600, 500), True),  # within 2 % of the crop's height
        ((100, 300, 150, 489), (0, 0, 600, 500), False),
        ((100, 300, 150, 400), (0, 600, 600, 1000), False),  # the frame's own bottom border
        ((0, 100, 50, 200), (0, 0, 600, 400), False),  # the frame's own left border
        ((1, 100, 50, 200), (480, 0, 1080, 400), True),  # the crop's left edge inside the frame
        ((20, 100, 50, 200), (480, 0, 1080, 400), False),
    ],
)  # fmt: skip
def test_a_box_at_a_crop_edge_inside_the_frame_is_a_cut_part(
    box: tuple[float, float, float, float], crop: tuple[int, int, int, int], cut: bool
) -> None:
    assert cut_by_crop(box, crop, 1080, 1000) is cut


def test_merge_shifts_crop_boxes_and_keeps_the_best_duplicate() -> None:
    whole = [Detection("person", 0.5, (100, 100, 120, 160))]
    crop = [
        Detection("person", 0.8, (0, 0, 20, 60)),  # the same worker, seen larger in the crop
        Detection("spray_plume", 0.6, (0, 0, 20, 60)),  # another class: never suppressed
    ]
    out = merge([((0.0, 0.0), whole), ((100.0, 100.0), crop)], iou=0.45, max_det=10)
    assert out == [
        Detection("person", 0.8, (100, 100, 120, 160)),
        Detection("spray_plume", 0.6, (100, 100, 120, 160)),
    ]
    assert merge([((0.0, 0.0), [])], 0.45, 10) == []


boxes = st.tuples(*[st.floats(0, 500, allow_nan=False)] * 4).map(
    lambda b: (min(b[0], b[2]), min(b[1], b[3]), max(b[0], b[2]) + 1, max(b[1], b[3]) + 1)
)
dets = st.lists(
    st.builds(Detection, st.sampled_from(["person", "drone"]), st.floats(0, 1), boxes),
    max_size=20,
)


@given(st.lists(st.tuples(st.tuples(st.floats(0, 500), st.floats(0, 500)), dets), max_size=5))
def test_merge_never_returns_more_than_asked_or_a_box_it_was_not_given(
    parts: list[tuple[tuple[float, float], list[Detection]]],
) -> None:
    out = merge(parts, 0.45, 7)
    assert len(out) <= 7
    shifted = {
        (d.label, d.score, (d.box[0] + x, d.box[1] + y, d.box[2] + x, d.box[3] + y))
        for (x, y), part in parts
        for d in part
    }
    assert all((d.label, d.score, d.box) in shifted for d in out)
    assert [d.score for d in out] == sorted((d.score for d in out), reverse=True)


def test_the_shipped_model_tiled_from_the_config() -> None:
    det = load_detector(MODEL, DetectorParams(tiles=(2, 2)))
    assert isinstance(det, TiledDetector)
    frame = render_still(2_000_001, 1280, 720)[0]
    whole = load_detector(MODEL, DetectorParams()).detect(frame)
    tiled = det.detect(frame)
    assert det.info == load_detector(MODEL, DetectorParams()).info
    assert whole
    assert tiled
    for d in tiled:
        assert 0 <= d.box[0] < d.box[2] <= 1280 + 1
        assert 0 <= d.box[1] < d.box[3] <= 720 + 1
    # every object the whole frame shows is still there (perhaps as a better crop box)
    for d in whole:
        assert any(t.label == d.label and iou(t.box, d.box) > 0.3 for t in tiled), d
    det.set_thresholds(0.9, {})
    assert all(d.score >= 0.9 for d in det.detect(frame))


def test_tiles_outside_their_range_are_a_config_error() -> None:
    with pytest.raises(ValueError, match="tiles"):
        DetectorParams.model_validate({"tiles": [0, 2]})
    assert DetectorParams.model_validate({"tiles": [3, 2]}).tiles == (3, 2)


def test_a_motion_crop_is_centred_on_the_moving_region_and_kept_in_the_frame() -> None:
    walker = (900.0, 500.0, 920.0, 560.0)  # a far worker walking, 1920 × 1080
    assert crops_around([walker], 1920, 1080, 1 / 3, 1) == [(730, 350, 1090, 710)]
    corner = (5.0, 1050.0, 25.0, 1079.0)
    assert crops_around([corner], 1920, 1080, 1 / 3, 1) == [(0, 720, 360, 1080)]
    assert crops_around([(110.0, 40.0, 120.0, 60.0)], 200, 100, 1.0, 1) == [(65, 0, 165, 100)]


def test_crops_around_skip_big_regions_and_regions_a_crop_already_holds() -> None:
    tractor = (0.0, 0.0, 400.0, 300.0)  # large: the whole frame shows it well
    walker = (900.0, 500.0, 920.0, 560.0)
    beside = (950.0, 520.0, 960.0, 540.0)  # inside the walker's crop
    far = (1500.0, 200.0, 1510.0, 230.0)
    regions = [tractor, walker, beside, far]
    assert crops_around(regions, 1920, 1080, 1 / 3, 8) == [
        (730, 350, 1090, 710),
        (1325, 35, 1685, 395),
    ]
    assert crops_around(regions, 1920, 1080, 1 / 3, 1) == [(730, 350, 1090, 710)]
    assert crops_around([], 1920, 1080, 1 / 3, 1) == []


def test_a_crop_fitted_to_a_region_holds_the_whole_of_what_it_may_be_part_of() -> None:
    back = (903.0, 316.0, 1073.0, 379.0)  # a harvester's back called a drone, 1280 × 854
    # 170 px wide: over half a third-of-the-height crop, so a motion crop skips it …
    assert crops_around([back], 1280, 854, 0.33, 1) == []
    # … and a fitted one is 2.5 × as wide, around it
    [(x1, y1, x2, y2)] = crops_around([back], 1280, 854, 0.33, 1, fit=2.5)
    assert x2 - x1 == y2 - y1 == 425
    assert x1 < back[0]
    assert back[2] < x2
    # one a third of the frame's height or more is large enough for the whole frame
    assert crops_around([(0.0, 0.0, 300.0, 290.0)], 1280, 854, 0.33, 1, fit=2.5) == []
    near = (0.0, 0.0, 280.0, 270.0)  # just under: the crop is 2.5 × 280 = 700 px
    assert crops_around([near], 1280, 854, 0.33, 1, fit=2.5) == [(0, 0, 700, 700)]


@given(
    st.lists(st.tuples(*(st.floats(-1e4, 1e4, allow_nan=False) for _ in range(4))), max_size=12),
    st.integers(1, 4000),
    st.integers(1, 4000),
    st.floats(0.01, 1.0),
    st.integers(1, 8),
    st.none() | st.floats(1.0, 5.0),
)
def test_crops_around_regions_are_squares_inside_the_frame_and_never_too_many(
    regions: list[tuple[float, float, float, float]],
    width: int,
    height: int,
    side: float,
    most: int,
    fit: float | None,
) -> None:
    crops = crops_around(regions, width, height, side, most, fit)
    assert len(crops) <= most
    for x1, y1, x2, y2 in crops:
        assert 0 <= x1 < x2 <= width
        assert 0 <= y1 < y2 <= height
        assert x2 - x1 == y2 - y1
