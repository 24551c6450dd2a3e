"""Plot polygons proposed over a camera's snapshot, for the installer to confirm (pure).

Planted ground is green: the excess-green index (2G − R − B), Otsu-thresholded, closed and
opened, and the convex hulls of the largest regions become plots P1, P2 … (the whole frame when
nothing is green). `edge.commission` offers them; the installer corrects them in site.yaml.
"""

from collections.abc import Mapping, Sequence

import cv2
import numpy as np
import numpy.typing as npt

from edge.geometry import Point


def propose_plots(
    image: npt.NDArray[np.uint8], *, max_plots: int = 4, min_share: float = 0.03
) -> dict[str, list[Point]]:
    """Polygons around the largest green (planted) regions; the whole frame when none."""
    h, w = image.shape[:2]
    b, g, r = (image[..., i].astype(np.float32) for i in range(3))
    exg = np.clip(2 * g - r - b, 0, 255).astype(np.uint8)
    _, mask = cv2.threshold(exg, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if exg.max() < 20:  # no green anywhere: Otsu would split noise
        mask[:] = 0
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (15, 15))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    big = sorted(
        (c for c in contours if cv2.contourArea(c) >= min_share * h * w),
        key=cv2.contourArea,
        reverse=True,
    )[:max_plots]
    plots: dict[str, list[Point]] = {}
    for i, c in enumerate(sorted(big, key=lambda c: tuple(cv2.boundingRect(c)[:2]))):
        hull = cv2.convexHull(c)
        poly = cv2.approxPolyDP(hull, 0.01 * cv2.arcLength(hull, True), True)
        pts = [(float(p[0][0]), float(p[0][1])) for p in poly]
        if len(pts) >= 3:
            plots[f"P{i + 1}"] = pts
    if not plots:
        plots["default"] = [(0.0, 0.0), (w - 1.0, 0.0), (w - 1.0, h - 1.0), (0.0, h - 1.0)]
    return plots


def draw_plots(
    image: npt.NDArray[np.uint8], plots: Mapping[str, Sequence[Point]]
) -> npt.NDArray[np.uint8]:
    """A copy of the snapshot with each polygon outlined and named."""
    out = image.copy()
    for name, poly in plots.items():
        pts = np.array([[round(x), round(y)] for x, y in poly], dtype=np.int32)
        cv2.polylines(out, [pts], True, (0, 255, 255), 3)
        x, y = pts.min(axis=0)
        cv2.putText(out, name, (int(x) + 8, int(y) + 30), cv2.FONT_HERSHEY_SIMPLEX, 1.0,
                    (0, 255, 255), 2)  # fmt: skip
    return np.asarray(out, dtype=np.uint8)
