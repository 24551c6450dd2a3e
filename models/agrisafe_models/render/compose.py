"""Compose one labelled still: background, 1–4 objects placed in perspective, conditions.

Objects are placed by their apparent size (a fraction of the frame height) and the scene's
perspective gives the ground row, so every object is large enough to learn at 320 px input.
`Realism` switches on renderer v2 (hard negatives, photographic texture) and v3 (lit, drifting
spray, spray drones at work, far and near people, real soil grain, camera artefacts); their
choices come from generators of their own, so the v1 and v2 images of a seed stay exactly what
they were (and v3's, when a later v3 option is off).
"""

from dataclasses import dataclass

import numpy as np

from agrisafe_models.render.camera import camera_artefacts
from agrisafe_models.render.conditions import Conditions, apply_conditions
from agrisafe_models.render.draw import Image, PlumeLook
from agrisafe_models.render.draw import Label as Label  # re-exported: the still's labels
from agrisafe_models.render.negatives import (
    OVERLAYS,
    draw_dust,
    draw_fog,
    draw_mulch,
    draw_smoke,
    draw_sprinkler,
)
from agrisafe_models.render.people import PersonStyle, Stride, draw_person
from agrisafe_models.render.photo import photo_ground
from agrisafe_models.render.placing import (
    Placed,
    carrier,
    far_person,
    ground_row,
    near_person,
    parked_drone,
    spraying_drone,
)
from agrisafe_models.render.scene import Scene, draw_clumps, render_background
from agrisafe_models.render.texture import texturise
from agrisafe_models.render.things import (
    CRATE_PLASTIC,
    TRACTOR_PAINT,
    ThingStyle,
    draw_crate,
    draw_drone,
    draw_livestock,
    draw_tractor,
)
from edge.geometry import inside, iou

KINDS = ("sprayer", "person", "tractor", "drone", "crates", "livestock")
WEIGHTS = (0.3, 0.18, 0.13, 0.13, 0.13, 0.13)


@dataclass(frozen=True)
class Realism:
    """Renderer v2 options; the defaults render v1 images."""

    hard: float = 0.0  # share of stills that get hard negatives (negatives.py)
    texture: bool = False  # photographic blotches and grain on the background (texture.py)
    cues: bool = True  # False: no sprayers at all (a set to measure false cues on)
    spray: bool = False  # v3: lit, drifting plumes and spray drones at work (spray.py)
    camera: bool = False  # v3: IR-cut, banding, lens dirt, blocking (camera.py)
    far: bool = False  # v3: people far off, 4–12 % of the frame height (a pole camera's view)
    photo: bool = False  # v3: real soil grain from photos on the ground (photo.py)
    near: bool = False  # v3: a person close to the camera, cut off by the frame (placing.py)


V1 = Realism()
V2 = Realism(hard=0.5, texture=True)
V3 = Realism(hard=0.5, texture=True, spray=True, camera=True, far=True, photo=True, near=True)


def _place(
    kind: str, scene: Scene, rng: np.random.Generator, looks: np.random.Generator | None = None
) -> Placed:
    w, h = scene.width, scene.height
    x = float(rng.uniform(0.05, 0.95) * w)
    facing = 1 if rng.random() < 0.5 else -1
    phase = float(rng.uniform(0, 2 * np.pi))
    if kind in ("sprayer", "person"):
        y = ground_row(scene, rng, 1.7, 0.12, 0.5)
        ph = scene.px_per_m(y) * 1.7
        style = PersonStyle.sample(rng)
        spraying = kind == "sprayer" and rng.random() < 0.75
        plume = np.random.default_rng(int(rng.integers(1 << 31))) if spraying else None
        look = PlumeLook.sample(looks) if looks is not None and spraying else None
        rough = (x - 0.4 * ph, y - ph, x + 0.4 * ph, y)
        return Placed(
            y,
            rough,
            lambda im: draw_person(
                im,
                (x, y),
                ph,
                style,
                Stride(facing, phase),
                sprayer=kind == "sprayer",
                plume_rng=plume,
                plume_look=look,
            ),
        )
    if kind == "tractor":
        y = ground_row(scene, rng, 2.6, 0.15, 0.55)
        th = scene.px_per_m(y) * 2.6
        ts = ThingStyle.sample(rng, TRACTOR_PAINT)
        rough = (
            (x - 0.4 * th, y - th, x + 1.2 * th, y)
            if facing > 0
            else (x - 1.2 * th, y - th, x + 0.4 * th, y)
        )
        return Placed(
            y, rough, lambda im: draw_tractor(im, (x, y), th, ts, facing, phase), "tractor"
        )
    if kind == "drone":
        span = float(rng.uniform(0.09, 0.22) * w)
        y = float(rng.uniform(0.08 * h, max(0.1 * h, scene.horizon + 0.25 * h)))
        ds = ThingStyle.sample(rng, TRACTOR_PAINT)
        rough = (x - 0.65 * span, y - 0.15 * span, x + 0.65 * span, y + 0.25 * span)
        return Placed(y - h, rough, lambda im: draw_drone(im, (x, y), span, ds, phase))
    if kind == "crates":
        y = ground_row(scene, rng, 1.7, 0.12, 0.5)
        cw = max(0.06 * w, scene.px_per_m(y) * 0.6)
        n = int(rng.integers(1, 4))
        cs = ThingStyle.sample(rng, CRATE_PLASTIC)
        produce = bool(rng.random() < 0.5)
        rough = (x - 0.6 * cw, y - 0.8 * cw, x + (n - 0.4) * cw * 1.3, y)

        def crates(im: Image) -> list[Label]:
            out: list[Label] = []
            for i in range(n):
                out += draw_crate(im, (x + i * cw * 1.3, y), cw, cs, produce)
            return out

        return Placed(y, rough, crates)
    y = ground_row(scene, rng, 1.4, 0.1, 0.4)
    ls = ThingStyle.sample(rng, TRACTOR_PAINT)
    lh = scene.px_per_m(y) * (0.8 if ls.variant == 2 else 1.4)
    rough = (x - 0.9 * lh, y - 1.1 * lh, x + 0.9 * lh, y)
    return Placed(y, rough, lambda im: draw_livestock(im, (x, y), lh, ls, facing, phase))


def clip_labels(labels: list[Label], width: int, height: int) -> list[Label]:
    """Labels clipped to the frame; objects mostly outside it or under 3 px are dropped."""
    out: list[Label] = []
    for cls, (x1, y1, x2, y2) in labels:
        cx1, cy1 = max(0.0, x1), max(0.0, y1)
        cx2, cy2 = min(float(width), x2), min(float(height), y2)
        if cx2 - cx1 < 3 or cy2 - cy1 < 3:
            continue
        if (cx2 - cx1) * (cy2 - cy1) < 0.4 * (x2 - x1) * (y2 - y1):
            continue
        out.append((cls, (cx1, cy1, cx2, cy2)))
    return out


def _overlays(scene: Scene, img: Image, placed: list[Placed], rng: np.random.Generator) -> None:
    """One or two spray look-alikes over the painted scene."""
    h = scene.height
    for what in rng.choice(OVERLAYS, size=int(rng.integers(1, 3)), replace=False):
        y = float(rng.uniform(scene.horizon + 0.1 * (h - scene.horizon), h))
        x = float(rng.uniform(0.05, 0.95) * scene.width)
        metre = max(2.0, scene.px_per_m(y))
        if what == "dust":
            tractors = [p.rough for p in placed if p.kind == "tractor"]
            if tractors:
                t = tractors[int(rng.integers(len(tractors)))]
                x, y = (t[0] + t[2]) / 2, t[3]
                metre = (t[3] - t[1]) / 2.6
            draw_dust(img, (x, y), metre * float(rng.uniform(2, 5)), rng)
        elif what == "smoke":
            draw_smoke(img, (x, y), min(0.8 * y, metre * float(rng.uniform(3, 8))), rng)
        elif what == "fog":
            draw_fog(img, scene.horizon, rng)
        else:
            draw_sprinkler(img, (x, y), metre * float(rng.uniform(3, 8)), rng)


def _place_objects(
    scene: Scene, rng: np.random.Generator, cues: bool, looks: np.random.Generator | None
) -> list[Placed]:
    """1–4 objects that do not overlap much; CUES False: never a sprayer; LOOKS: v3 plumes."""
    kinds: tuple[str, ...] = KINDS
    weights = np.array(WEIGHTS)
    if not cues:
        kinds, weights = KINDS[1:], weights[1:] / weights[1:].sum()
    placed: list[Placed] = []
    for _ in range(int(rng.integers(1, 5))):
        kind = str(rng.choice(kinds, p=weights))
        for _try in range(8):
            cand = _place(kind, scene, rng, looks)
            if all(iou(cand.rough, p.rough) < 0.1 for p in placed):
                placed.append(cand)
                break
    return placed


def _extras(
    scene: Scene,
    hard: bool,
    realism: Realism,
    extra: np.random.Generator,
    looks: np.random.Generator,
) -> list[Placed]:
    """What v2 (people carrying things, parked drones) and v3 (a drone spraying) add."""
    out = []
    if hard:
        out = [carrier(scene, extra) for _ in range(int(extra.integers(0, 3)))]
        if extra.random() < 0.4:
            out.append(parked_drone(scene, extra))
    if realism.spray and realism.cues and looks.random() < 0.35:
        out.append(spraying_drone(scene, looks))
    if realism.far:
        out += [far_person(scene, looks) for _ in range(int(looks.integers(0, 3)))]
    return out


def _in_front(scene: Scene, placed: list[Placed], rng: np.random.Generator) -> list[Placed]:
    """A near person that hides no fifth of an object behind it (whose label would then lie),
    in up to six tries, or none."""
    for _ in range(6):
        near = near_person(scene, rng)
        if all(inside(p.rough, near.rough) < 0.2 for p in placed):
            return [near]
    return []


def render_still(
    seed: int, width: int, height: int, realism: Realism = V1
) -> tuple[Image, list[Label]]:
    """One labelled image, fully determined by SEED (and REALISM)."""
    rng = np.random.default_rng(seed)
    extra = np.random.default_rng([seed, 2])  # v2 choices: never disturb the v1 stream
    looks = np.random.default_rng([seed, 3])  # v3 choices: nor the v2 one
    near_rng = np.random.default_rng([seed, 4])  # added to v3 later: its own, too
    hard = bool(extra.random() < realism.hard)
    scene = render_background(rng, width, height)
    if realism.texture:
        texturise(scene.image, extra)
    if realism.photo and looks.random() < 0.6:
        photo_ground(scene, scene.image, looks)
    if hard and extra.random() < 0.3:
        draw_mulch(scene, scene.image, extra)
    placed = _place_objects(scene, rng, realism.cues, looks if realism.spray else None)
    extras = _extras(scene, hard, realism, extra, looks)
    placed += [c for c in extras if all(iou(c.rough, p.rough) < 0.1 for p in placed)]
    if realism.near and near_rng.random() < 0.3:
        placed += _in_front(scene, placed, near_rng)
    img = scene.image.copy()
    labels: list[Label] = []
    for p in sorted(placed, key=lambda p: p.row):
        labels += p.paint(img)
    if hard:
        _overlays(scene, img, placed, extra)
    if rng.random() < 0.5:
        draw_clumps(scene, img)
    cond = Conditions.sample(rng)
    img = apply_conditions(img, cond, rng, scene.horizon)
    if realism.camera:
        img, _ = camera_artefacts(img, looks, night=cond.light == "night")
    return img, clip_labels(labels, width, height)
