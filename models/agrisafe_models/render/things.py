"""Tractors, drones, harvest crates and livestock (side views, sizes in pixels)."""

import math
from dataclasses import dataclass

import numpy as np

from agrisafe_models import class_id
from agrisafe_models.render.draw import Color, Image, Label, Pen, Point, shade

TRACTOR_PAINT: tuple[Color, ...] = (
    (30, 30, 190),
    (40, 130, 40),
    (170, 90, 20),
    (20, 140, 230),
    (30, 200, 230),
)
CRATE_PLASTIC: tuple[Color, ...] = (
    (40, 40, 200),
    (190, 100, 30),
    (50, 160, 50),
    (30, 190, 230),
    (20, 120, 240),
)


@dataclass(frozen=True)
class ThingStyle:
    """The look of one object: a main colour and a variant number (breed, drone type)."""

    color: Color
    variant: int

    @staticmethod
    def sample(rng: np.random.Generator, palette: tuple[Color, ...]) -> "ThingStyle":
        """A random look from PALETTE."""
        return ThingStyle(palette[int(rng.integers(len(palette)))], int(rng.integers(3)))


def _done(pen: Pen, name: str) -> list[Label]:
    box = pen.box()
    assert box is not None
    return [(class_id(name), box)]


def draw_tractor(
    image: Image,
    ground: Point,
    height: float,
    style: ThingStyle,
    facing: int,
    wheel_angle: float = 0.0,
) -> list[Label]:
    """A tractor, rear wheel on the ground at GROUND, HEIGHT = overall height in pixels."""
    x, y = ground
    h = height
    f = 1 if facing >= 0 else -1
    pen = Pen(image)
    paint = style.color
    rr, fr = 0.3 * h, 0.18 * h
    rear = (x, y - rr)
    front = (x + f * 0.95 * h, y - fr)
    # hood and chassis
    hood = [
        (x, y - 0.62 * h),
        (x + f * 1.12 * h, y - 0.56 * h),
        (x + f * 1.12 * h, y - 0.28 * h),
        (x, y - 0.25 * h),
    ]
    pen.poly(hood, paint)
    pen.rect(
        min(x, x + f * 1.12 * h),
        y - 0.6 * h,
        max(x, x + f * 1.12 * h),
        y - 0.56 * h,
        shade(paint, 0.7),
    )
    # cab: frame, glass, roof
    cx1, cx2 = x - f * 0.28 * h, x + f * 0.25 * h
    lo, hi = min(cx1, cx2), max(cx1, cx2)
    pen.rect(lo, y - 0.98 * h, hi, y - 0.5 * h, shade(paint, 0.6))
    pen.rect(lo + 0.04 * h, y - 0.92 * h, hi - 0.04 * h, y - 0.62 * h, (200, 190, 170))
    pen.rect(lo - 0.04 * h, y - 1.0 * h, hi + 0.04 * h, y - 0.94 * h, paint)
    pen.line(
        (x + f * 0.8 * h, y - 0.56 * h), (x + f * 0.8 * h, y - 0.86 * h), (40, 40, 40), 0.035 * h
    )
    for c, r in ((rear, rr), (front, fr)):
        pen.circle(c, r, (30, 30, 30))
        pen.circle(c, r * 0.55, (70, 70, 70))
        pen.circle(c, r * 0.4, shade(paint, 0.9))
        for k in range(8):  # tread lugs turn with the wheel
            a = wheel_angle + k * math.pi / 4
            p = (c[0] + math.cos(a) * r * 0.92, c[1] + math.sin(a) * r * 0.92)
            pen.circle(p, r * 0.1, (15, 15, 15))
    return _done(pen, "tractor")


def draw_drone(
    image: Image, center: Point, span: float, style: ThingStyle, rotor_phase: float = 0.0
) -> list[Label]:
    """A multirotor seen from slightly below: four arms, four blurred rotor discs, legs."""
    x, y = center
    s = span
    pen = Pen(image)
    body = (35, 35, 35) if style.variant != 1 else (220, 220, 220)
    arm_ends = [
        (x - 0.45 * s, y - 0.04 * s),
        (x + 0.45 * s, y - 0.04 * s),
        (x - 0.3 * s, y - 0.12 * s),
        (x + 0.3 * s, y - 0.12 * s),
    ]
    for e in arm_ends:
        pen.line((x, y), e, (50, 50, 50), 0.035 * s)
    for i, e in enumerate(arm_ends):
        pen.line((e[0], e[1]), (e[0], e[1] - 0.06 * s), (40, 40, 40), 0.03 * s)
        blade = 0.2 * s * (0.8 + 0.2 * math.cos(rotor_phase + i))
        pen.ellipse((e[0], e[1] - 0.07 * s), (blade, 0.025 * s), 0, (150, 150, 150))
        pen.circle((e[0], e[1] - 0.07 * s), 0.025 * s, (20, 20, 20))
    pen.ellipse((x, y), (0.13 * s, 0.07 * s), 0, body)
    pen.rect(x - 0.03 * s, y - 0.02 * s, x + 0.03 * s, y + 0.02 * s, style.color)
    if style.variant == 2:  # spray drone: a white tank under the body
        pen.rect(x - 0.09 * s, y + 0.04 * s, x + 0.09 * s, y + 0.15 * s, (225, 225, 225))
    for sx in (-1, 1):
        pen.line(
            (x + sx * 0.08 * s, y + 0.05 * s),
            (x + sx * 0.14 * s, y + 0.2 * s),
            (40, 40, 40),
            0.02 * s,
        )
        pen.line(
            (x + sx * 0.19 * s, y + 0.2 * s),
            (x + sx * 0.09 * s, y + 0.2 * s),
            (40, 40, 40),
            0.02 * s,
        )
    return _done(pen, "drone")


def draw_crate(
    image: Image, ground: Point, width: float, style: ThingStyle, produce: bool
) -> list[Label]:
    """A plastic field crate (front face with handle slots and ribs, top face in perspective)."""
    x, y = ground
    w = width
    h = 0.55 * w
    d = 0.18 * w
    pen = Pen(image)
    c = style.color
    pen.poly(
        [
            (x - w / 2, y - h),
            (x + w / 2, y - h),
            (x + w / 2 + d * 0.6, y - h - d),
            (x - w / 2 + d * 0.6, y - h - d),
        ],
        shade(c, 1.25),
    )
    if produce:
        fruit = (40, 40, 200) if style.variant == 0 else (40, 160, 60)
        for i in range(5):
            fx = x - w * 0.38 + i * w * 0.19 + d * 0.3
            pen.circle((fx, y - h - d * 0.5), w * 0.085, fruit)
    pen.rect(x - w / 2, y - h, x + w / 2, y, c)
    for k in (0.3, 0.55, 0.8):
        pen.line(
            (x - w / 2, y - h * (1 - k)),
            (x + w / 2, y - h * (1 - k)),
            shade(c, 0.6),
            max(1.0, 0.03 * w),
        )
    pen.rect(x - 0.18 * w, y - 0.86 * h, x + 0.18 * w, y - 0.72 * h, (25, 25, 25))
    pen.poly(
        [
            (x + w / 2, y - h),
            (x + w / 2 + d * 0.6, y - h - d),
            (x + w / 2 + d * 0.6, y - d),
            (x + w / 2, y),
        ],
        shade(c, 0.75),
    )
    return _done(pen, "harvest_crate")


def draw_livestock(
    image: Image, ground: Point, height: float, style: ThingStyle, facing: int, phase: float = 0.0
) -> list[Label]:
    """A cow (variant 0 or 1) or a sheep (variant 2), HEIGHT = shoulder height in pixels."""
    x, y = ground
    h = height
    f = 1 if facing >= 0 else -1
    pen = Pen(image)
    sheep = style.variant == 2
    coat: Color = (
        (215, 220, 225) if sheep else ((40, 60, 110) if style.variant == 0 else (30, 30, 30))
    )
    length = 1.3 * h if sheep else 1.55 * h
    leg = (25, 25, 25) if sheep else shade(coat, 0.8)
    for i, lx in enumerate((-0.35, -0.22, 0.25, 0.38)):
        sw = 0.05 * h * math.sin(phase + i * math.pi / 2)
        px = x + f * lx * length
        pen.line((px, y - 0.5 * h), (px + sw, y), leg, 0.09 * h)
    body_c = (x, y - 0.68 * h)
    if sheep:
        for k in range(7):  # woolly outline: overlapping puffs
            a = k * math.pi / 3.5
            pen.circle(
                (body_c[0] + math.cos(a) * 0.38 * length, body_c[1] + math.sin(a) * 0.2 * h),
                0.2 * h,
                coat,
            )
    pen.ellipse(body_c, (0.5 * length, 0.27 * h), 0, coat)
    if style.variant == 1:  # black-and-white patches
        pen.ellipse(
            (x - f * 0.15 * length, y - 0.72 * h), (0.14 * length, 0.15 * h), 20, (230, 230, 230)
        )
        pen.ellipse(
            (x + f * 0.2 * length, y - 0.62 * h), (0.1 * length, 0.12 * h), -30, (230, 230, 230)
        )
    head = (x + f * 0.58 * length, y - 0.82 * h + 0.05 * h * math.sin(phase * 0.5))
    pen.line((x + f * 0.42 * length, y - 0.75 * h), head, coat, 0.2 * h)
    pen.ellipse(head, (0.17 * h, 0.11 * h), f * 35, (40, 40, 40) if sheep else shade(coat, 0.9))
    pen.line(
        (x - f * 0.5 * length, y - 0.75 * h),
        (x - f * 0.56 * length, y - 0.35 * h),
        shade(coat, 0.7),
        0.03 * h,
    )
    return _done(pen, "livestock")
