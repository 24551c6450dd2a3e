"""Scene backgrounds: sky, horizon, crop rows in perspective; open field or greenhouse.

The camera (3–10 m high, looking down at the field) fixes the horizon row and the scale: a
point on the ground at row y is `px_per_m(y)` pixels per metre, zero at the horizon.
"""

from dataclasses import dataclass, field

import cv2
import numpy as np

from agrisafe_models.render.draw import Color, Image, Point, shade

SOILS: tuple[Color, ...] = ((50, 80, 115), (60, 95, 130), (45, 65, 90), (70, 110, 140))
CROPS: tuple[Color, ...] = ((40, 140, 60), (50, 120, 40), (60, 160, 90), (35, 105, 70))


@dataclass
class Scene:
    """A rendered background and the geometry needed to place objects on it."""

    image: Image
    horizon: float  # pixel row of the horizon
    near_scale: float  # pixels per metre at the bottom row
    greenhouse: bool
    crop: Color
    # foreground plant clumps (x, y, size) that may be drawn over objects to occlude them
    clumps: list[tuple[float, float, float]] = field(default_factory=list)

    @property
    def height(self) -> int:
        """Image height in pixels."""
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        """Image width in pixels."""
        return int(self.image.shape[1])

    def px_per_m(self, y: float) -> float:
        """Pixels per metre for an object standing on the ground at row Y."""
        return max(0.0, self.near_scale * (y - self.horizon) / (self.height - self.horizon))

    def row_for_scale(self, px_per_m: float) -> float:
        """The ground row where one metre is PX_PER_M pixels (inverse of px_per_m)."""
        return self.horizon + px_per_m / self.near_scale * (self.height - self.horizon)


def render_background(
    rng: np.random.Generator,
    width: int,
    height: int,
    camera_height_m: float | None = None,
    greenhouse: bool | None = None,
) -> Scene:
    """A random background; the camera height and greenhouse choice may be fixed by the caller."""
    cam = float(rng.uniform(3, 10)) if camera_height_m is None else camera_height_m
    inside = bool(rng.random() < 0.3) if greenhouse is None else greenhouse
    horizon = height * (0.42 - 0.03 * (cam - 3))
    # a 1.7 m person at the bottom row is 60 % (3 m camera) .. 40 % (10 m) of the frame height
    near_scale = height * (0.6 - 0.028 * (cam - 3)) / 1.7
    img = np.zeros((height, width, 3), dtype=np.uint8)
    crop = CROPS[int(rng.integers(len(CROPS)))]
    scene = Scene(img, horizon, near_scale, inside, crop)
    _sky(img, rng, int(horizon), inside)
    _ground(scene, rng)
    if inside:
        _greenhouse_frame(scene, rng)
    return scene


def _sky(img: Image, rng: np.random.Generator, horizon: int, inside: bool) -> None:
    w = img.shape[1]
    if horizon <= 0:
        return
    top = np.array((200, 200, 205) if inside else (200, 140, 80), dtype=np.float32)
    low = np.array((235, 235, 235) if inside else (235, 215, 190), dtype=np.float32)
    t = np.linspace(0, 1, horizon, dtype=np.float32)[:, None]
    img[:horizon] = (top * (1 - t) + low * t).astype(np.uint8)[:, None, :].repeat(w, axis=1)
    if not inside:
        for _ in range(int(rng.integers(0, 4))):
            c = (int(rng.uniform(0, w)), int(rng.uniform(0, horizon * 0.7)))
            ax = (int(rng.uniform(0.05, 0.15) * w), max(2, int(rng.uniform(0.03, 0.08) * horizon)))
            cv2.ellipse(img, c, ax, 0, 0, 360, (245, 245, 245), -1, cv2.LINE_AA)
        # a tree line on the horizon
        tree = (int(rng.uniform(30, 60)), int(rng.uniform(60, 90)), int(rng.uniform(30, 50)))
        x = 0.0
        while x < w:
            r = rng.uniform(0.01, 0.03) * w
            cv2.circle(img, (int(x), horizon), max(1, int(r)), tree, -1, cv2.LINE_AA)
            x += r * 1.2


def _ground(scene: Scene, rng: np.random.Generator) -> None:
    img, hz = scene.image, int(scene.horizon)
    h, w = img.shape[:2]
    soil = np.array(SOILS[int(rng.integers(len(SOILS)))], dtype=np.float32)
    t = np.linspace(0.75, 1.1, h - hz, dtype=np.float32)[:, None, None]
    img[hz:] = np.clip(soil[None, None, :] * t, 0, 255).astype(np.uint8).repeat(w, axis=1)
    vx = float(rng.uniform(0.2, 0.8) * w)  # vanishing point of the rows
    n_rows = int(rng.integers(8, 18))
    bottoms = np.linspace(-0.6 * w, 1.6 * w, n_rows)
    plant = scene.crop
    for bx in bottoms:
        for k in range(40):
            v = (k + rng.uniform(0, 0.6)) / 40  # 0 at horizon .. 1 at bottom
            v = v**1.6
            y = hz + v * (h - hz)
            x = vx + (bx - vx) * v
            size = scene.px_per_m(y) * rng.uniform(0.18, 0.3)
            if size < 0.6 or not -size < x < w + size:
                continue
            color = shade(plant, rng.uniform(0.75, 1.15))
            cv2.ellipse(
                img,
                (int(x), int(y - size * 0.4)),
                (max(1, int(size)), max(1, int(size * 0.7))),
                0,
                0,
                360,
                color,
                -1,
                cv2.LINE_AA,
            )
            if v > 0.55 and rng.random() < 0.08:
                scene.clumps.append((float(x), float(y), float(size)))


def _greenhouse_frame(scene: Scene, rng: np.random.Generator) -> None:
    """Arched steel frame and a milky plastic cast over the whole image."""
    img = scene.image
    h, w = img.shape[:2]
    hz = int(scene.horizon)
    steel = (180, 180, 185)
    n = int(rng.integers(3, 6))
    for i in range(n + 1):
        x = int(i * w / n)
        cv2.line(img, (x, 0), (x, hz + int((h - hz) * 0.1)), steel, max(1, w // 200), cv2.LINE_AA)
        cv2.ellipse(
            img,
            (x + w // (2 * n), hz // 3),
            (w // (2 * n), max(1, hz // 3)),
            0,
            180,
            360,
            steel,
            max(1, w // 300),
            cv2.LINE_AA,
        )
    milk = np.full_like(img, 230)
    cv2.addWeighted(img, 0.85, milk, 0.15, 0, dst=img)


def draw_clumps(scene: Scene, image: Image, sway: float = 0.0) -> None:
    """Foreground plant clumps drawn over objects (occlusion); SWAY shifts the leaf tips."""
    for x, y, s in scene.clumps:
        for k in range(5):
            a = (k - 2) * 0.35
            tip: Point = (x + np.sin(a) * s * 1.6 + sway * s, y - s * (1.2 + 0.3 * np.cos(a)))
            cv2.ellipse(
                image,
                (int((x + tip[0]) / 2), int((y + tip[1]) / 2)),
                (max(1, int(s * 0.9)), max(1, int(s * 0.35))),
                float(np.degrees(a) + 90),
                0,
                360,
                shade(scene.crop, 0.85 + 0.06 * k),
                -1,
                cv2.LINE_AA,
            )
