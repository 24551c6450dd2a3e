"""People, backpack sprayers and spray plumes (side view, walking animation by phase).

Sizes are in pixels: the caller converts metres to pixels with the scene's perspective. Colours
are chosen once per actor (`PersonStyle.sample`) so a clip's actor keeps its look frame to frame.
"""

import math
from dataclasses import dataclass

import cv2
import numpy as np

from agrisafe_models import class_id
from agrisafe_models.render.draw import (
    Box,
    Color,
    Image,
    Label,
    Pen,
    PlumeLook,
    Point,
    mist,
    shade,
)

SHIRTS: tuple[Color, ...] = (
    (40, 40, 160),
    (150, 60, 30),
    (60, 120, 60),
    (200, 200, 200),
    (30, 30, 30),
    (120, 80, 140),
    (70, 140, 200),
    (90, 90, 90),
)  # BGR
TROUSERS: tuple[Color, ...] = ((50, 40, 30), (90, 70, 40), (40, 40, 40), (110, 100, 90))
SKINS: tuple[Color, ...] = ((120, 150, 200), (90, 120, 170), (70, 95, 140))
# Knapsack tanks are bright plastic: yellow, orange, blue, white, red.
TANKS: tuple[Color, ...] = (
    (20, 200, 240),
    (20, 130, 250),
    (200, 110, 20),
    (235, 235, 235),
    (40, 40, 210),
)
HATS: tuple[Color, ...] = ((90, 190, 220), (230, 230, 230), (40, 110, 40))


@dataclass(frozen=True)
class PersonStyle:
    """The look of one person: clothes, skin, hat and (if carried) the sprayer tank colour."""

    shirt: Color
    trousers: Color
    skin: Color
    hat: Color | None
    tank: Color
    width: float  # body width as a fraction of height

    @staticmethod
    def sample(rng: np.random.Generator) -> "PersonStyle":
        """A random look."""
        hat = HATS[int(rng.integers(len(HATS)))] if rng.random() < 0.5 else None
        return PersonStyle(
            shirt=SHIRTS[int(rng.integers(len(SHIRTS)))],
            trousers=TROUSERS[int(rng.integers(len(TROUSERS)))],
            skin=SKINS[int(rng.integers(len(SKINS)))],
            hat=hat,
            tank=TANKS[int(rng.integers(len(TANKS)))],
            width=float(rng.uniform(0.22, 0.28)),
        )


@dataclass(frozen=True, slots=True)
class Stride:
    """Where a person looks (`facing` ≥ 0: right) and where in the walking cycle (radians)."""

    facing: int
    phase: float


def draw_person(
    image: Image,
    foot: Point,
    height: float,
    style: PersonStyle,
    stride: Stride,
    *,
    sprayer: bool,
    plume_rng: np.random.Generator | None = None,
    plume_look: PlumeLook | None = None,
) -> list[Label]:
    """Draw a person (feet at FOOT) and what they carry; PLUME_RNG set means spraying now.

    PLUME_LOOK lights and bends the plume (renderer v3); None draws it as v1 did.

    Returns the labels of the person, the sprayer tank and the plume, as drawn.
    """
    x, y = foot
    h = height
    f = 1 if stride.facing >= 0 else -1
    pen = Pen(image)
    hip = (x, y - 0.48 * h)
    swing = 0.13 * h * math.sin(stride.phase)
    leg_w = 0.085 * h
    for s in (-1, 1):
        knee = (x + s * swing * 0.5, y - 0.25 * h)
        toe = (x + s * swing, y - 0.02 * h)
        pen.line(hip, knee, shade(style.trousers, 0.9 if s < 0 else 1.0), leg_w)
        pen.line(knee, toe, shade(style.trousers, 0.9 if s < 0 else 1.0), leg_w)
        pen.ellipse((toe[0] + f * 0.03 * h, y - 0.015 * h), (0.05 * h, 0.02 * h), 0, (25, 25, 25))
    bw = style.width * h
    torso = [
        (x - bw / 2, y - 0.82 * h),
        (x + bw / 2, y - 0.82 * h),
        (x + bw * 0.45, y - 0.46 * h),
        (x - bw * 0.45, y - 0.46 * h),
    ]
    if sprayer:  # the tank goes behind the far arm but in front of the torso's back edge
        tank_box = _draw_tank(image, x - f * (bw * 0.5 + 0.07 * h), y, h, style.tank)
    pen.poly(torso, style.shirt)
    head_c = (x + f * 0.02 * h, y - 0.9 * h)
    pen.circle(head_c, 0.068 * h, style.skin)
    if style.hat is not None:
        pen.ellipse((head_c[0], head_c[1] - 0.045 * h), (0.12 * h, 0.022 * h), 0, style.hat)
        pen.ellipse((head_c[0], head_c[1] - 0.06 * h), (0.06 * h, 0.035 * h), 0, style.hat)
    shoulder = (x + f * 0.03 * h, y - 0.79 * h)
    labels: list[Label] = []
    if sprayer:
        hand = (x + f * 0.2 * h, y - 0.55 * h)
        pen.line(shoulder, hand, shade(style.shirt, 0.8), 0.07 * h)
        pen.circle(hand, 0.035 * h, style.skin)
        spraying = plume_rng is not None
        tip = (x + f * 0.5 * h, y - (0.42 if spraying else 0.2) * h)
        cv2.line(
            image,
            (round(hand[0]), round(hand[1])),
            (round(tip[0]), round(tip[1])),
            (30, 30, 30),
            max(1, round(0.018 * h)),
            cv2.LINE_AA,
        )
        # hose from the tank bottom to the hand
        cv2.line(
            image,
            (round(tank_box[0] if f < 0 else tank_box[2]), round(tank_box[3])),
            (round(hand[0]), round(hand[1])),
            (20, 20, 20),
            max(1, round(0.012 * h)),
            cv2.LINE_AA,
        )
        labels.append((class_id("backpack_sprayer"), tank_box))
        if plume_rng is not None:
            plume = draw_plume(image, tip, (f * 0.75, 0.66), 0.65 * h, plume_rng, plume_look)
            if plume is not None:
                labels.append((class_id("spray_plume"), plume))
    else:
        hand = (x + f * 0.05 * h + swing * 0.4, y - 0.5 * h)
        pen.line(shoulder, hand, shade(style.shirt, 0.8), 0.07 * h)
        pen.circle(hand, 0.035 * h, style.skin)
    box = pen.box()
    assert box is not None
    return [(class_id("person"), box), *labels]


def _draw_tank(image: Image, cx: float, y: float, h: float, color: Color) -> Box:
    """The knapsack tank on the person's back: a rounded body, a dark cap and straps."""
    pen = Pen(image)
    w, top, bottom = 0.19 * h, y - 0.86 * h, y - 0.5 * h
    pen.rect(cx - w / 2, top + 0.03 * h, cx + w / 2, bottom - 0.03 * h, color)
    pen.ellipse((cx, top + 0.03 * h), (w / 2, 0.03 * h), 0, color)
    pen.ellipse((cx, bottom - 0.03 * h), (w / 2, 0.03 * h), 0, shade(color, 0.8))
    pen.rect(cx - w / 2, top + 0.14 * h, cx + w / 2, top + 0.17 * h, shade(color, 0.55))
    pen.ellipse((cx, top + 0.005 * h), (0.05 * h, 0.022 * h), 0, (30, 30, 30))
    box = pen.box()
    assert box is not None
    return box


def draw_plume(
    image: Image,
    origin: Point,
    direction: Point,
    length: float,
    rng: np.random.Generator,
    look: PlumeLook | None = None,
) -> Box | None:
    """A semi-transparent cone of fine droplets from ORIGIN along DIRECTION; returns its box.

    Droplets are drawn on an overlay that is blurred and alpha-blended, which gives the mist its
    consistent soft, grainy look; the box covers the central 96 % of droplets. LOOK (v3) lights
    and bends it; it draws nothing from RNG, so a seed's droplets stay where v1 put them.
    """
    h, w = image.shape[:2]
    n = max(60, int(length * 4))
    dx, dy = direction
    norm = math.hypot(dx, dy) or 1.0
    dx, dy = dx / norm, dy / norm
    t = rng.uniform(0.05, 1.0, n) ** 0.8 * length
    spread = rng.normal(0, 0.22, n) * t
    px = origin[0] + dx * t - dy * spread
    py = origin[1] + dy * t + dx * spread
    if look is not None:  # drift grows with the square of the distance flown
        px = px + look.drift * length * (t / length) ** 2
    x1, y1, x2, y2 = _extent(px, py, w, h)
    if x2 - x1 < 3 or y2 - y1 < 3:
        return None
    pad = int(length * 0.1) + 3
    window = (x1 - pad, y1 - pad, x2 + pad + 1, y2 + pad + 1)
    radius = max(1, round(length / 60))
    blur = max(3, (round(length / 25) | 1))
    if look is None:
        mist(image, (px, py), window, radius, blur, (245, 240, 225))
    else:
        look.paint(image, (px, py), spread >= 0, window, radius, blur)
    return (x1, y1, x2, y2)


def _extent(px: np.ndarray, py: np.ndarray, w: int, h: int) -> Box:
    x1, x2 = np.percentile(px, [2, 98])
    y1, y2 = np.percentile(py, [2, 98])
    return (
        max(0.0, float(x1)),
        max(0.0, float(y1)),
        min(float(w), float(x2)),
        min(float(h), float(y2)),
    )
