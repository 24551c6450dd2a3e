"""Plot zones: foot point in polygon, N consecutive frames."""

from collections import deque

from agrisafe.geometry import point_in_polygon
from edge.tracker import Track
from edge.zones import DEFAULT_PLOT, PlotZones, frame_warnings, outside_frame

SQUARE = [(0.0, 0.0), (100.0, 0.0), (100.0, 100.0), (0.0, 100.0)]


def track(x: float, y: float, missed: int = 0) -> Track:
    return Track(1, "person", (x - 5, y - 20, x + 5, y), deque([0.9]), missed=missed)


def test_point_in_polygon() -> None:
    assert point_in_polygon(50, 50, SQUARE)
    assert not point_in_polygon(150, 50, SQUARE)
    triangle = [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)]
    assert point_in_polygon(2, 2, triangle)
    assert not point_in_polygon(8, 8, triangle)


def test_in_a_plot_only_after_inertia_frames() -> None:
    zones = PlotZones({"P1": SQUARE, "P2": [(200, 0), (300, 0), (300, 100), (200, 100)]}, 3)
    assert zones.update([track(50, 50)]) == {}
    assert zones.update([track(51, 50)]) == {}
    assert zones.update([track(52, 50)]) == {1: "P1"}
    assert zones.update([track(250, 50)]) == {}  # moved: the streak starts again


def test_whole_frame_is_default_plot() -> None:
    zones = PlotZones({}, 1)
    assert zones.update([track(5000, 5000)]) == {1: DEFAULT_PLOT}


def test_a_frame_without_fresh_detection_neither_counts_nor_breaks() -> None:
    zones = PlotZones({"P1": SQUARE}, 2)
    zones.update([track(50, 50)])
    assert zones.update([track(50, 50, missed=1)]) == {}
    assert zones.update([track(50, 50)]) == {1: "P1"}


def test_frame_warnings_name_plots_drawn_for_another_resolution() -> None:
    hd = [(120.0, 400.0), (900.0, 380.0), (1180.0, 710.0), (60.0, 715.0)]
    inside = [(0.0, 0.0), (640.0, 0.0), (640.0, 360.0)]
    assert outside_frame(hd, 640, 360) == 1.0
    assert outside_frame(inside, 640, 360) == 0.0
    [line] = frame_warnings({"P1": hd, "P2": inside}, 640, 360)
    assert line.startswith("plot P1: 100% of its polygon lies outside the 640×360 frame")
    assert frame_warnings({"P1": hd}, 1280, 720) == []
