"""A pen that draws with OpenCV and records the extent of what it drew (an object's box)."""

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
Color = tuple[int, int, int]
Point = tuple[float, float]
Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in pixels
Label = tuple[int, Box]  # class id and box of one drawn object


def ipt(p: Point) -> tuple[int, int]:
    """Round a point to pixel coordinates."""
    return (round(p[0]), round(p[1]))


def shade(color: Color, factor: float) -> Color:
    """COLOR made darker (factor < 1) or lighter (factor > 1), clipped to 0..255."""
    return (
        min(255, max(0, round(color[0] * factor))),
        min(255, max(0, round(color[1] * factor))),
        min(255, max(0, round(color[2] * factor))),
    )


class Pen:
    """Draws anti-aliased primitives on one image and tracks their union bounding box."""

    def __init__(self, image: Image) -> None:
        self.image = image
        self._x1 = math.inf
        self._y1 = math.inf
        self._x2 = -math.inf
        self._y2 = -math.inf

    def _grow(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self._x1 = min(self._x1, x1)
        self._y1 = min(self._y1, y1)
        self._x2 = max(self._x2, x2)
        self._y2 = max(self._y2, y2)

    def box(self) -> Box | None:
        """The union of everything drawn so far, or None if nothing was drawn."""
        if self._x1 == math.inf:
            return None
        return (self._x1, self._y1, self._x2, self._y2)

    def circle(self, c: Point, r: float, color: Color) -> None:
        """A filled circle."""
        r = max(r, 0.5)
        cv2.circle(self.image, ipt(c), max(1, round(r)), color, -1, cv2.LINE_AA)
        self._grow(c[0] - r, c[1] - r, c[0] + r, c[1] + r)

    def ellipse(self, c: Point, axes: Point, angle: float, color: Color) -> None:
        """A filled ellipse rotated by ANGLE degrees."""
        ax = (max(1, round(axes[0])), max(1, round(axes[1])))
        cv2.ellipse(self.image, ipt(c), ax, angle, 0, 360, color, -1, cv2.LINE_AA)
        r = max(axes)
        t = math.radians(angle)
        ex = math.hypot(axes[0] * math.cos(t), axes[1] * math.sin(t))
        ey = math.hypot(axes[0] * math.sin(t), axes[1] * math.cos(t))
        self._grow(c[0] - min(ex, r), c[1] - min(ey, r), c[0] + min(ex, r), c[1] + min(ey, r))

    def poly(self, pts: list[Point], color: Color) -> None:
        """A filled polygon."""
        arr = np.array([ipt(p) for p in pts], dtype=np.int32)
        cv2.fillPoly(self.image, [arr], color, cv2.LINE_AA)
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        self._grow(min(xs), min(ys), max(xs), max(ys))

    def line(self, p: Point, q: Point, color: Color, thickness: float) -> None:
        """A line segment of the given thickness."""
        t = max(1, round(thickness))
        cv2.line(self.image, ipt(p), ipt(q), color, t, cv2.LINE_AA)
        h = t / 2
        self._grow(
            min(p[0], q[0]) - h, min(p[1], q[1]) - h, max(p[0], q[0]) + h, max(p[1], q[1]) + h
        )

    def rect(self, x1: float, y1: float, x2: float, y2: float, color: Color) -> None:
        """A filled axis-aligned rectangle."""
        self.poly([(x1, y1), (x2, y1), (x2, y2), (x1, y2)], color)


def mist(
    image: Image,
    points: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    window: Box,
    radius: int,
    blur: int,
    color: Color,
    *,
    gain: float = 0.8,
    cap: float = 0.75,
) -> None:
    """Blend a cloud of droplets at POINTS (x and y arrays) into IMAGE inside WINDOW, in place.

    Droplets go on an overlay that is blurred (odd kernel BLUR) and alpha-blended in COLOR, with
    alpha = min(CAP, GAIN × coverage): spray, dust, smoke and sprinkler water share this look and
    differ in colour, shape and where they come from — which is what a detector must learn.
    """
    h, w = image.shape[:2]
    ox1, oy1 = max(0, int(window[0])), max(0, int(window[1]))
    ox2, oy2 = min(w, int(window[2])), min(h, int(window[3]))
    if ox2 - ox1 < 1 or oy2 - oy1 < 1:
        return
    overlay = np.zeros((oy2 - oy1, ox2 - ox1), dtype=np.float32)
    for xx, yy in zip(*points, strict=True):
        cv2.circle(overlay, (round(xx) - ox1, round(yy) - oy1), radius, 1.0, -1, cv2.LINE_AA)
    overlay = cv2.GaussianBlur(overlay, (blur, blur), 0)
    alpha = np.clip(overlay * gain, 0, cap)[..., None]
    region = image[oy1:oy2, ox1:ox2].astype(np.float32)
    tint = np.array(color, dtype=np.float32)
    image[oy1:oy2, ox1:ox2] = (region * (1 - alpha) + tint * alpha).astype(np.uint8)


@dataclass(frozen=True)
class PlumeLook:
    """How the sun lights a plume and how far the wind bends it (renderer v3).

    v1 draws every plume the same cream colour, straight. In the field spray is white and
    glowing against the sun (`back`), half bright and half grey in side light (`side`), or a dull
    grey film under cloud (`flat`); the fine droplets drift downwind, the more the further they
    fly. DRIFT is the sideways bend at the plume's end, as a share of its length (signed).
    """

    light: str  # "back", "side" or "flat"
    drift: float

    @staticmethod
    def sample(rng: np.random.Generator) -> "PlumeLook":
        """A random light (back-lit rarer: the sun must be in front of the camera) and drift."""
        light = str(rng.choice(["back", "side", "flat"], p=[0.25, 0.4, 0.35]))
        return PlumeLook(light, float(rng.uniform(-0.5, 0.5)))

    def paint(
        self,
        image: Image,
        points: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
        lit: npt.NDArray[np.bool_],
        window: Box,
        radius: int,
        blur: int,
    ) -> None:
        """Blend the droplets at POINTS into IMAGE; LIT marks those on the sunny side."""
        px, py = points
        if self.light == "back":
            halo = (2 * blur + 1) | 1
            mist(image, points, window, 2 * radius, halo, (255, 255, 255), gain=0.5, cap=0.3)
            mist(image, points, window, radius, blur, (252, 252, 248), gain=1.0, cap=0.85)
        elif self.light == "side":
            dark = ~lit
            mist(image, (px[dark], py[dark]), window, radius, blur, (150, 150, 145), cap=0.6)
            mist(image, (px[lit], py[lit]), window, radius, blur, (250, 248, 240), gain=0.9)
        else:
            mist(image, points, window, radius, blur, (205, 205, 200), gain=0.55, cap=0.5)
