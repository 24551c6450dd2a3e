"""Placing objects in a scene's perspective, and the extra actors of renderer v2 and v3.

`Placed` is an object not yet drawn: its ground row (draw order), a rough box (to keep objects
apart) and its painter. v2 adds people carrying spray look-alikes and parked spray drones; v3 adds
spray drones at work, people far off and people close to the camera. Each builder draws its
choices from the generator it is given, so the caller decides which random stream pays for them.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from agrisafe_models.render.draw import Box, Image, Label, PlumeLook
from agrisafe_models.render.negatives import CARRIED, draw_carried
from agrisafe_models.render.people import PersonStyle, Stride, draw_person
from agrisafe_models.render.scene import Scene
from agrisafe_models.render.spray import draw_spraying_drone
from agrisafe_models.render.things import TRACTOR_PAINT, ThingStyle, draw_drone


@dataclass
class Placed:
    """An object to draw: its ground row (draw order), rough box (overlap test) and painter."""

    row: float
    rough: Box
    paint: Callable[[Image], list[Label]]
    kind: str = ""


def ground_row(
    scene: Scene, rng: np.random.Generator, metres: float, lo: float, hi: float
) -> float:
    """A ground row where an object METRES tall appears lo..hi of the frame height."""
    hmax = scene.px_per_m(scene.height * 1.02) * metres / scene.height
    frac = rng.uniform(lo, max(lo, min(hi, hmax)))
    return scene.row_for_scale(frac * scene.height / metres)


def _walker(
    scene: Scene, rng: np.random.Generator, lo: float, hi: float
) -> tuple[float, float, float, PersonStyle, Stride]:
    """Where a walking person stands (x, ground row), their height lo..hi of the frame, looks."""
    x = float(rng.uniform(0.05, 0.95) * scene.width)
    y = ground_row(scene, rng, 1.7, lo, hi)
    ph = scene.px_per_m(y) * 1.7
    style, stride = PersonStyle.sample(rng), Stride(1 if rng.random() < 0.5 else -1, 0.0)
    return x, y, ph, style, stride


def carrier(scene: Scene, rng: np.random.Generator) -> Placed:
    """A walking person with a water can, a plain backpack or an umbrella (labelled `person`)."""
    x, y, ph, style, stride = _walker(scene, rng, 0.12, 0.5)
    what = str(rng.choice(CARRIED))
    item = np.random.default_rng(int(rng.integers(1 << 31)))

    def paint(im: Image) -> list[Label]:
        labels = draw_person(im, (x, y), ph, style, stride, sprayer=False)
        draw_carried(im, (x, y), ph, stride.facing, what, item)
        return labels

    return Placed(y, (x - 0.4 * ph, y - ph, x + 0.4 * ph, y), paint, "carrier")


def parked_drone(scene: Scene, rng: np.random.Generator) -> Placed:
    """A spray drone standing on the ground, rotors still (labelled `drone`): at the filling
    point beside every spraying job, and the most common thing the real negatives show."""
    x = float(rng.uniform(0.1, 0.9) * scene.width)
    y = float(rng.uniform(scene.horizon + 0.3 * (scene.height - scene.horizon), scene.height))
    span = max(8.0, scene.px_per_m(y) * float(rng.uniform(1.5, 3.0)))
    style = ThingStyle(TRACTOR_PAINT[int(rng.integers(len(TRACTOR_PAINT)))], 2)
    centre = (x, y - 0.2 * span)  # the landing legs reach the ground
    rough = (x - 0.65 * span, y - 0.35 * span, x + 0.65 * span, y)
    return Placed(y, rough, lambda im: draw_drone(im, centre, span, style, 0.0), "parked")


def far_person(scene: Scene, rng: np.random.Generator) -> Placed:
    """A worker far off: 4–12 % of the frame height, 30–120 px at 1080p from a pole camera."""
    x, y, ph, style, stride = _walker(scene, rng, 0.04, 0.12)
    return Placed(
        y,
        (x - 0.4 * ph, y - ph, x + 0.4 * ph, y),
        lambda im: draw_person(im, (x, y), ph, style, stride, sprayer=False),
        "far",
    )


def near_person(scene: Scene, rng: np.random.Generator) -> Placed:
    """A person close to the camera: 55–130 % of the frame height, cut off by the bottom edge
    and often by a side, drawn in front of everything (labelled `person`, box clipped).

    Someone walking under a pole camera looks like this, and so do the close-ups among the real
    photos (`zidane.jpg`, `bus.jpg`, `grace_hopper.jpg`). Renderers v1–v3 drew nobody taller than
    half the frame, and the fine-tunes lost COCO's close-up people: none finds the two men in
    `zidane.jpg` (docs/models.md).
    """
    ph = float(rng.uniform(0.55, 1.3)) * scene.height
    x = float(rng.uniform(0.0, 1.0) * scene.width)
    y = scene.height + float(rng.uniform(0.0, 0.4)) * ph  # the feet below the frame
    style = PersonStyle.sample(rng)
    stride = Stride(1 if rng.random() < 0.5 else -1, float(rng.uniform(0, 2 * np.pi)))
    return Placed(
        y,
        (x - 0.4 * ph, y - ph, x + 0.4 * ph, y),
        lambda im: draw_person(im, (x, y), ph, style, stride, sprayer=False),
        "near",
    )


def spraying_drone(scene: Scene, rng: np.random.Generator) -> Placed:
    """A spray drone 2–3.5 m above the crop with its mist (labelled `drone`, `spray_plume`)."""
    x = float(rng.uniform(0.1, 0.9) * scene.width)
    y = ground_row(scene, rng, 3.5, 0.2, 0.7)
    m = scene.px_per_m(y)
    look, paint_rng = PlumeLook.sample(rng), np.random.default_rng(int(rng.integers(1 << 31)))
    return Placed(
        y,
        (x - 2 * m, y - 4 * m, x + 2 * m, y),
        lambda im: draw_spraying_drone(im, (x, y), m, paint_rng, look),
        "spraying",
    )
