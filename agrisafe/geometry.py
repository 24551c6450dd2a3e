"""Plane geometry shared by the edge (pixel polygons) and the cloud (GeoJSON lon/lat rings)."""

from collections.abc import Sequence

Point = tuple[float, float]


def point_in_polygon(x: float, y: float, ring: Sequence[Sequence[float]]) -> bool:
    """Even-odd ray casting: is (x, y) inside the closed ring (first point need not repeat)?

    Points exactly on an edge may fall either way; callers that care use a margin.
    """
    inside = False
    n = len(ring)
    if n < 3:
        return False
    x0, y0 = float(ring[-1][0]), float(ring[-1][1])
    for pt in ring:
        x1, y1 = float(pt[0]), float(pt[1])
        if (y1 > y) != (y0 > y):
            cross_x = x1 + (y - y1) * (x0 - x1) / (y0 - y1)
            if x < cross_x:
                inside = not inside
        x0, y0 = x1, y1
    return inside
