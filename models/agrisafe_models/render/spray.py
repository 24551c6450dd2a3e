"""A spray drone at work (renderer v3): flying low over the crop, mist falling from its nozzles.

v1 draws drones only in the sky and never spraying, so the v1 model had never seen the one
spraying cue the real development photos show most (a spray drone over a field with mist under
it; docs/models.md: v1 finds no cue on any of them). Agricultural drones spray from about 2–3 m
above the crop, 1.5–3 m across; the rotor downwash drives the mist down and the wind bends it.
"""

import math

import numpy as np

from agrisafe_models import class_id
from agrisafe_models.render.draw import Box, Image, Label, PlumeLook
from agrisafe_models.render.people import draw_plume
from agrisafe_models.render.things import TRACTOR_PAINT, ThingStyle, draw_drone


def _union(boxes: list[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def draw_spraying_drone(
    image: Image,
    ground: tuple[float, float],
    px_per_m: float,
    rng: np.random.Generator,
    look: PlumeLook,
) -> list[Label]:
    """A spray drone above the crop at GROUND (x, ground row) and its mist down to the crop.

    Returns the `drone` label and one `spray_plume` box around all the nozzles' mist, as a
    labeller draws it. Sizes come from PX_PER_M at the ground row.
    """
    x, y_ground = ground
    span = max(10.0, px_per_m * float(rng.uniform(1.5, 3.0)))
    altitude = px_per_m * float(rng.uniform(2.0, 3.5))
    centre = (x, y_ground - altitude)
    style = ThingStyle(TRACTOR_PAINT[int(rng.integers(len(TRACTOR_PAINT)))], 2)
    labels = draw_drone(image, centre, span, style, float(rng.uniform(0, 2 * math.pi)))
    plumes: list[Box] = []
    drop = altitude * float(rng.uniform(0.75, 1.05))
    for side in (-0.3, 0.3) if rng.random() < 0.6 else (-0.35, -0.12, 0.12, 0.35):
        nozzle = (x + side * span, centre[1] + 0.12 * span)
        plume_rng = np.random.default_rng(int(rng.integers(1 << 31)))
        box = draw_plume(image, nozzle, (0.05 * side, 1.0), drop, plume_rng, look)
        if box is not None:
            plumes.append(box)
    if plumes:
        labels.append((class_id("spray_plume"), _union(plumes)))
    return labels
