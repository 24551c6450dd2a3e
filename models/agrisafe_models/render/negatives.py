"""Hard negatives (renderer v2): what a farm camera sees that looks like spray and is not.

None of these is labelled, on purpose: the detector must learn that a white, soft, grainy cloud is
a `spray_plume` only when it leaves a lance or hangs under a drone. Measured cause: on the real
development photos the v1 model and the first fine-tunes called clouds, white plastic and dusty
ground "plume", and people holding things "backpack_sprayer" (docs/models.md). So:

- dust kicked up behind a tractor (tan, low, wide), smoke (grey, rising, drifting), a fog bank
  near the horizon, an irrigation sprinkler (water jets in arcs from a riser), white plastic mulch
  between the crop rows;
- a person carrying a water can, a plain backpack (no lance, no hose) or an umbrella — labelled
  `person` and nothing else.

Everything draws with its own random generator, so adding negatives never changes what the
v1 renderer draws for the same seed.
"""

import math

import cv2
import numpy as np

from agrisafe_models.render.draw import Box, Color, Image, Pen, Point, mist, shade
from agrisafe_models.render.scene import Scene

OVERLAYS = ("dust", "smoke", "fog", "sprinkler")
CARRIED = ("can", "backpack", "umbrella")
DUST: tuple[Color, ...] = ((120, 160, 190), (140, 175, 200), (110, 140, 165))
CANS: tuple[Color, ...] = ((60, 140, 60), (40, 90, 200), (150, 150, 150), (30, 170, 220))
PACKS: tuple[Color, ...] = ((40, 40, 40), (90, 60, 40), (40, 80, 40), (120, 40, 40))
UMBRELLAS: tuple[Color, ...] = ((230, 230, 230), (40, 40, 200), (200, 120, 30), (40, 40, 40))


def _window(px: np.ndarray, py: np.ndarray, pad: float) -> Box:
    return (
        float(px.min()) - pad,
        float(py.min()) - pad,
        float(px.max()) + pad + 1,
        float(py.max()) + pad + 1,
    )


def draw_dust(image: Image, ground: Point, size: float, rng: np.random.Generator) -> None:
    """A low, wide cloud of tan dust around GROUND (behind a wheel), SIZE pixels long."""
    n = max(80, int(size * 4))
    side = 1 if rng.random() < 0.5 else -1
    t = rng.uniform(0, 1, n) ** 0.7 * size
    px = ground[0] - side * t + rng.normal(0, 0.08, n) * size
    py = ground[1] - np.abs(rng.normal(0, 0.12, n)) * (0.3 * size + t * 0.5)
    radius = max(1, round(size / 40))
    color = DUST[int(rng.integers(len(DUST)))]
    mist(
        image,
        (px, py),
        _window(px, py, size * 0.1 + 3),
        radius,
        max(3, round(size / 12) | 1),
        color,
        gain=0.6,
        cap=0.6,
    )


def draw_smoke(image: Image, base: Point, height: float, rng: np.random.Generator) -> None:
    """A grey column rising from BASE (a small fire or a chimney), widening and drifting."""
    pen = Pen(image)
    pen.ellipse(base, (0.06 * height, 0.02 * height), 0, (30, 35, 40))
    n = max(80, int(height * 4))
    t = rng.uniform(0, 1, n) ** 0.9 * height
    drift = float(rng.uniform(-0.8, 0.8))
    px = base[0] + drift * t**1.3 / height**0.3 + rng.normal(0, 0.04, n) * (0.2 * height + t)
    py = base[1] - t
    grey = int(rng.uniform(150, 215))
    mist(
        image,
        (px, py),
        _window(px, py, height * 0.1 + 3),
        max(1, round(height / 40)),
        max(3, round(height / 15) | 1),
        (grey, grey, grey + 5),
        gain=0.7,
        cap=0.65,
    )


def draw_fog(image: Image, horizon: float, rng: np.random.Generator) -> None:
    """A bank of fog lying over the field near the horizon, thick in patches."""
    h, w = image.shape[:2]
    coarse = rng.uniform(0, 1, (4, 8)).astype(np.float32)
    patches = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    rows = np.arange(h, dtype=np.float32)[:, None]
    centre = horizon + rng.uniform(0, 0.25) * h
    band = np.exp(-(((rows - centre) / (rng.uniform(0.06, 0.16) * h)) ** 2))
    alpha = np.clip(band * (0.25 + 0.5 * patches) * rng.uniform(0.6, 1.0), 0, 0.7)[..., None]
    white = np.float32(rng.uniform(200, 235))
    image[:] = (image.astype(np.float32) * (1 - alpha) + white * alpha).astype(np.uint8)


def draw_sprinkler(image: Image, base: Point, reach: float, rng: np.random.Generator) -> None:
    """An irrigation riser at BASE throwing 1–3 water jets in arcs, REACH pixels wide."""
    pen = Pen(image)
    top = (base[0], base[1] - 0.25 * reach)
    pen.line(base, top, (60, 60, 60), max(1.0, 0.012 * reach))
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    for _ in range(int(rng.integers(1, 4))):
        side = 1 if rng.random() < 0.5 else -1
        span = reach * float(rng.uniform(0.4, 1.0))
        lift = 0.35 * span * float(rng.uniform(0.6, 1.2))
        n = max(60, int(span * 3))
        u = rng.uniform(0, 1, n)
        xs.append(top[0] + side * u * span + rng.normal(0, 0.01, n) * span)
        ys.append(
            top[1] - 4 * lift * u * (1 - u) + u * 0.25 * reach + rng.normal(0, 0.015, n) * span
        )
    px, py = np.concatenate(xs), np.concatenate(ys)
    mist(
        image,
        (px, py),
        _window(px, py, reach * 0.05 + 3),
        max(1, round(reach / 120)),
        max(3, round(reach / 60) | 1),
        (235, 230, 220),
        gain=1.0,
        cap=0.7,
    )


def draw_mulch(scene: Scene, image: Image, rng: np.random.Generator) -> None:
    """Strips of white plastic mulch in perspective, from the horizon to the bottom of the frame."""
    h, w = image.shape[:2]
    hz = scene.horizon
    vx = float(rng.uniform(0.2, 0.8) * w)
    n = int(rng.integers(4, 10))
    half = float(rng.uniform(0.02, 0.05)) * w
    sheen = float(rng.uniform(200, 245))
    for bx in np.linspace(-0.5 * w, 1.5 * w, n):
        pts = np.array([(vx, hz + 2), (vx, hz + 2), (bx + half, h), (bx - half, h)], dtype=np.int32)
        shine = (int(sheen), int(sheen), int(min(255, sheen + 5)))
        cv2.fillPoly(image, [pts], shine, cv2.LINE_AA)


def draw_carried(
    image: Image, foot: Point, height: float, facing: int, what: str, rng: np.random.Generator
) -> None:
    """What a walking person carries that is not a sprayer: a water can, a plain backpack
    (no lance, no hose) or an umbrella, for a person drawn with `draw_person` at FOOT."""
    x, y = foot
    h = height
    f = 1 if facing >= 0 else -1
    pen = Pen(image)
    if what == "can":
        c = CANS[int(rng.integers(len(CANS)))]
        cx, top = x + f * 0.08 * h, y - 0.5 * h
        pen.rect(cx - 0.07 * h, top, cx + 0.07 * h, top + 0.16 * h, c)
        pen.line(
            (cx + f * 0.07 * h, top + 0.12 * h),
            (cx + f * 0.2 * h, top - 0.02 * h),
            shade(c, 0.8),
            0.02 * h,
        )
        pen.ellipse((cx + f * 0.21 * h, top - 0.03 * h), (0.025 * h, 0.015 * h), 0, shade(c, 0.7))
        pen.line((cx - 0.05 * h, top), (cx + 0.05 * h, top), shade(c, 0.6), 0.015 * h)
    elif what == "backpack":
        c = PACKS[int(rng.integers(len(PACKS)))]
        cx = x - f * 0.17 * h
        pen.rect(cx - 0.07 * h, y - 0.82 * h, cx + 0.07 * h, y - 0.58 * h, c)
        pen.ellipse((cx, y - 0.82 * h), (0.07 * h, 0.02 * h), 0, shade(c, 1.2))
        pen.line(
            (x - f * 0.08 * h, y - 0.8 * h),
            (x + f * 0.04 * h, y - 0.62 * h),
            shade(c, 0.7),
            0.02 * h,
        )
    else:
        c = UMBRELLAS[int(rng.integers(len(UMBRELLAS)))]
        hand = (x + f * 0.05 * h, y - 0.55 * h)
        tip = (hand[0], y - 1.15 * h)
        pen.line(hand, tip, (40, 40, 40), 0.015 * h)
        canopy = [
            (tip[0] - 0.35 * h, tip[1] + 0.12 * h),
            (tip[0] - 0.2 * h, tip[1] + 0.02 * h),
            tip,
            (tip[0] + 0.2 * h, tip[1] + 0.02 * h),
            (tip[0] + 0.35 * h, tip[1] + 0.12 * h),
        ]
        pen.poly(canopy, c)
        for k in range(5):
            a = math.pi * (k + 0.5) / 5
            p = (tip[0] - 0.35 * h * math.cos(a), tip[1] + 0.12 * h)
            pen.line(tip, p, shade(c, 0.8), max(1.0, 0.008 * h))
