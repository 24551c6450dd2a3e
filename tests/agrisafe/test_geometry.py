"""point_in_polygon against rectangles, whose inside is known exactly."""

from hypothesis import assume, given
from hypothesis import strategies as st

from agrisafe.geometry import point_in_polygon

coords = st.floats(-1e3, 1e3, allow_nan=False)


@given(coords, coords, coords, coords, coords, coords)
def test_rectangle(x0: float, y0: float, x1: float, y1: float, px: float, py: float) -> None:
    lo_x, hi_x = sorted((x0, x1))
    lo_y, hi_y = sorted((y0, y1))
    assume(hi_x - lo_x > 1e-6 and hi_y - lo_y > 1e-6)
    # keep away from the edges, where either answer is allowed
    assume(min(abs(px - lo_x), abs(px - hi_x), abs(py - lo_y), abs(py - hi_y)) > 1e-6)
    ring = [(lo_x, lo_y), (hi_x, lo_y), (hi_x, hi_y), (lo_x, hi_y)]
    expected = lo_x < px < hi_x and lo_y < py < hi_y
    assert point_in_polygon(px, py, ring) is expected
    assert point_in_polygon(px, py, [*ring, ring[0]]) is expected  # closed GeoJSON ring


def test_concave_and_degenerate() -> None:
    u_shape = [(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3)]
    assert point_in_polygon(0.5, 2, u_shape)
    assert not point_in_polygon(1.5, 2, u_shape)  # in the notch
    assert not point_in_polygon(0, 0, [(0, 0), (1, 1)])
