"""Zones are plots: a track is in a plot after `inertia` consecutive frames with its foot inside."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from agrisafe.geometry import point_in_polygon
from edge.geometry import Point, foot
from edge.tracker import Track

DEFAULT_PLOT = "default"


def outside_frame(polygon: Sequence[Point], width: int, height: int) -> float:
    """Share of the polygon's vertices that lie outside a `width`×`height` frame (0.0–1.0).

    A polygon drawn for another resolution (1280×720 coordinates on a 640×360 stream) has most
    of its vertices outside the frame, and no track can ever be inside it.
    """
    if not polygon:
        return 0.0
    out = sum(1 for x, y in polygon if not (0 <= x <= width and 0 <= y <= height))
    return out / len(polygon)


def frame_warnings(polygons: Mapping[str, Sequence[Point]], width: int, height: int) -> list[str]:
    """A line per plot whose polygon does not fit the frame (for the installer to fix)."""
    lines = []
    for plot, poly in polygons.items():
        share = outside_frame(poly, width, height)
        if share > 0:
            xs = [x for x, _ in poly]
            ys = [y for _, y in poly]
            lines.append(
                f"plot {plot}: {share:.0%} of its polygon lies outside the {width}×{height} frame "
                f"(x {min(xs):g}–{max(xs):g}, y {min(ys):g}–{max(ys):g}); "
                "is it drawn for another resolution?"
            )
    return lines


@dataclass
class PlotZones:
    """Per-camera plot polygons in pixels; no polygons = the whole frame is plot `default`."""

    polygons: Mapping[str, Sequence[Point]]
    inertia: int = 2
    _streak: dict[tuple[int, str], int] = field(default_factory=dict)

    def update(self, tracks: list[Track]) -> dict[int, str]:
        """Plot of each track that has been inside one long enough (tracks seen this frame)."""
        streak: dict[tuple[int, str], int] = {}
        result: dict[int, str] = {}
        for t in tracks:
            for plot in self._plots_at(t):
                key = (t.id, plot)
                # A frame without a fresh detection neither counts nor breaks the streak.
                n = self._streak.get(key, 0) + (1 if t.seen_now else 0)
                streak[key] = n
                if n >= self.inertia:
                    result.setdefault(t.id, plot)
        self._streak = streak
        return result

    def _plots_at(self, t: Track) -> list[str]:
        if not self.polygons:
            return [DEFAULT_PLOT]
        point = foot(t.box)
        return [plot for plot, poly in self.polygons.items() if point_in_polygon(*point, poly)]
