"""Point-in-polygon for sample geofences (pure), including holes."""

from hypothesis import given
from hypothesis import strategies as st

from cloud.rules.devices import inside_polygon

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[112.0, 37.0], [113.0, 37.0], [113.0, 38.0], [112.0, 38.0], [112.0, 37.0]],
        [[112.4, 37.4], [112.6, 37.4], [112.6, 37.6], [112.4, 37.6], [112.4, 37.4]],  # a hole
    ],
}


def test_inside_outside_and_in_the_hole() -> None:
    assert inside_polygon(112.2, 37.2, SQUARE)
    assert not inside_polygon(113.5, 37.5, SQUARE)
    assert not inside_polygon(112.5, 37.5, SQUARE)  # inside the hole: outside the fence


@given(
    lon=st.floats(min_value=-180, max_value=180, allow_nan=False),
    lat=st.floats(min_value=-90, max_value=90, allow_nan=False),
)
def test_points_outside_the_bounding_box_are_never_inside(lon: float, lat: float) -> None:
    if not (112.0 <= lon <= 113.0 and 37.0 <= lat <= 38.0):
        assert not inside_polygon(lon, lat, SQUARE)
