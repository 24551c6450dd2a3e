"""Box and polygon geometry (pure)."""

from collections.abc import Iterable

Box = tuple[float, float, float, float]  # x1, y1, x2, y2
Point = tuple[float, float]


def _intersection(a: Box, b: Box) -> float:
    """Area the two boxes share (0 when they do not overlap)."""
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    return ix * iy if ix > 0 and iy > 0 else 0.0


def area(a: Box) -> float:
    """Area of a box (negative sides give ≤ 0: an empty box)."""
    return (a[2] - a[0]) * (a[3] - a[1])


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (0 when either is empty); inline: the tracker's
    hot path calls it for every track and detection pair."""
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return 0.0
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def cover(a: Box, b: Box) -> float:
    """Intersection over the smaller box's area (0 when either is empty)."""
    inter, small = _intersection(a, b), min(area(a), area(b))
    return inter / small if inter > 0 and small > 0 else 0.0


def inside(a: Box, b: Box) -> float:
    """Share of box A's area that lies in box B."""
    inter, own = _intersection(a, b), area(a)
    return inter / own if inter > 0 and own > 0 else 0.0


def grow(box: Box, margin: float) -> Box:
    """The box enlarged on each side by `margin` × its larger side.

    The larger side, not each side's own: a standing person is narrow, but the lance and the
    plume it holds reach sideways about as far as the person is tall.
    """
    d = margin * max(box[2] - box[0], box[3] - box[1])
    return box[0] - d, box[1] - d, box[2] + d, box[3] + d


def touches(a: Box, b: Box) -> bool:
    """True when the boxes overlap or share an edge."""
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def foot(box: Box) -> Point:
    """Bottom centre: where an object stands on the ground (what decides its plot)."""
    return (box[0] + box[2]) / 2, box[3]


def best_first(pairs: Iterable[tuple[float, int, int]]) -> list[tuple[float, int, int]]:
    """Greedy one-to-one matching: PAIRS (measure, left index, right index) taken by the
    largest measure first, each index on either side at most once."""
    out: list[tuple[float, int, int]] = []
    left: set[int] = set()
    right: set[int] = set()
    for m, i, j in sorted(pairs, reverse=True):
        if i not in left and j not in right:
            left.add(i)
            right.add(j)
            out.append((m, i, j))
    return out
