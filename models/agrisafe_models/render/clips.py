"""Render an MP4 clip of a farm scene with ground truth for activity evaluation.

A worker walks onto the plot, sprays (plume visible) or harvests for a while, stops and walks
away; distractors walk, drive, graze and fly past; plants sway and the light drifts. Objects
are drawn by the same functions as the training stills (`people`, `things`).
"""

import logging
import math
from pathlib import Path

import cv2
import numpy as np
from pydantic import BaseModel, Field

from agrisafe_models.render.conditions import Conditions, apply_conditions
from agrisafe_models.render.draw import Image
from agrisafe_models.render.people import PersonStyle, Stride, draw_person
from agrisafe_models.render.scene import Scene, draw_clumps, render_background
from agrisafe_models.render.things import (
    CRATE_PLASTIC,
    TRACTOR_PAINT,
    ThingStyle,
    draw_crate,
    draw_drone,
    draw_livestock,
    draw_tractor,
)
from agrisafe_models.render.timeline import (
    WALK_M_S,
    Actor,
    crossing_path,
    grazing_path,
    path_x,
    worker_path,
)

logger = logging.getLogger(__name__)

ACTIVITIES = ("spraying", "harvesting", "none")
PLOT = "default"


class ActivityTruth(BaseModel):
    """One true activity interval: seconds from the first frame, end exclusive."""

    activity: str
    start_s: float
    end_s: float
    plot: str


class ClipTruth(BaseModel):
    """What happens in a rendered clip (written as truth.json)."""

    fps: float
    width: int
    height: int
    seconds: float
    seed: int
    activities: list[ActivityTruth]
    plots: dict[str, list[tuple[float, float]]] = Field(
        description="plot polygons in pixel coordinates of the clip"
    )


def _plot_polygon(scene: Scene, rng: np.random.Generator) -> list[tuple[float, float]]:
    """A plot on the ground: rows where a person is about 20 % to 40 % of the frame tall."""
    h, w = scene.height, scene.width
    far = scene.row_for_scale(0.2 * h / 1.7)
    near = min(scene.row_for_scale(0.4 * h / 1.7), 0.97 * h)
    xl, xr = float(rng.uniform(0.15, 0.3) * w), float(rng.uniform(0.7, 0.85) * w)
    squeeze = 0.06 * w  # far edge narrower: perspective
    return [(xl + squeeze, far), (xr - squeeze, far), (xr, near), (xl, near)]


def _actors(
    scene: Scene,
    rng: np.random.Generator,
    activity: str,
    seconds: float,
    plot: list[tuple[float, float]],
) -> list[Actor]:
    w, h = scene.width, scene.height
    far, near = plot[0][1], plot[2][1]
    actors: list[Actor] = []
    if activity in ("spraying", "harvesting"):
        row = float(rng.uniform(far + 0.25 * (near - far), near - 0.15 * (near - far)))
        ppm = scene.px_per_m(row)
        xs = (
            plot[3][0] + (plot[0][0] - plot[3][0]) * (near - row) / (near - far),
            plot[2][0] + (plot[1][0] - plot[2][0]) * (near - row) / (near - far),
        )
        keys, window = worker_path(
            rng, seconds, xs, ppm, w, moving_while_active=activity == "spraying"
        )
        kind = "sprayer" if activity == "spraying" else "harvester"
        actors.append(Actor(kind, row, 1.7 * ppm, keys, window, int(rng.integers(1 << 31))))
    for _ in range(int(rng.integers(1, 3))):  # people walking past, no sprayer
        row = float(rng.uniform(scene.row_for_scale(0.14 * h / 1.7), h * 0.99))
        ppm = scene.px_per_m(row)
        actors.append(
            Actor(
                "walker",
                row,
                1.7 * ppm,
                crossing_path(rng, seconds, w, WALK_M_S * ppm),
                None,
                int(rng.integers(1 << 31)),
            )
        )
    if rng.random() < 0.6:
        row = float(rng.uniform(scene.row_for_scale(0.18 * h / 2.6), far))
        ppm = scene.px_per_m(row)
        actors.append(
            Actor(
                "tractor",
                row,
                2.6 * ppm,
                crossing_path(rng, seconds, w, 3.0 * ppm),
                None,
                int(rng.integers(1 << 31)),
            )
        )
    for _ in range(int(rng.integers(0, 3))):
        # grazing behind the plot, so animals pass behind the worker rather than hide them
        row = float(rng.uniform(scene.row_for_scale(0.12 * h / 1.4), far))
        ppm = scene.px_per_m(row)
        x = float(rng.choice([rng.uniform(0, 0.15), rng.uniform(0.85, 1.0)]) * w)
        actors.append(
            Actor(
                "livestock",
                row,
                1.4 * ppm,
                grazing_path(rng, seconds, x, ppm),
                None,
                int(rng.integers(1 << 31)),
            )
        )
    if rng.random() < 0.3:
        row = float(rng.uniform(0.08, 0.25) * h)
        actors.append(
            Actor(
                "drone",
                row,
                float(rng.uniform(0.08, 0.15) * w),
                crossing_path(rng, seconds, w, 0.15 * w),
                None,
                int(rng.integers(1 << 31)),
            )
        )
    return actors


def _draw_actor(image: Image, actor: Actor, t: float, frame: int) -> None:
    x = actor.x_at(t)
    if not -actor.size * 2 < x < image.shape[1] + actor.size * 2:
        return
    style_rng = np.random.default_rng(actor.seed)
    facing = actor.facing_at(t)
    moved = abs(actor.x_at(t + 0.04) - x)
    phase = actor.extra.get("dist", 0.0)
    actor.extra["dist"] = phase + moved / max(1.0, 0.12 * actor.size) if moved else phase
    if actor.kind in ("sprayer", "walker", "harvester"):
        plume = None
        if actor.kind == "sprayer" and actor.is_active(t):
            plume = np.random.default_rng((actor.seed, frame))
        draw_person(
            image,
            (x, actor.row),
            actor.size,
            PersonStyle.sample(style_rng),
            Stride(facing, phase),
            sprayer=actor.kind == "sprayer",
            plume_rng=plume,
        )
    elif actor.kind in ("tractor", "livestock"):
        draw = draw_tractor if actor.kind == "tractor" else draw_livestock
        draw(
            image,
            (x, actor.row),
            actor.size,
            ThingStyle.sample(style_rng, TRACTOR_PAINT),
            facing,
            phase,
        )
    elif actor.kind == "drone":
        draw_drone(
            image,
            (x, actor.row),
            actor.size,
            ThingStyle.sample(style_rng, TRACTOR_PAINT),
            frame * 1.3,
        )


def render_clip(
    out: Path | None,
    *,
    seed: int,
    activity: str = "spraying",
    seconds: float = 30.0,
    width: int = 1280,
    height: int = 720,
    fps: int = 25,
) -> ClipTruth:
    """Render a clip to OUT (MP4; None renders nothing to disk) and return its ground truth."""
    if activity not in ACTIVITIES:
        raise ValueError(f"activity must be one of {', '.join(ACTIVITIES)}, not {activity!r}")
    rng = np.random.default_rng(seed)
    scene = render_background(rng, width, height)
    plot = _plot_polygon(scene, rng)
    actors = _actors(scene, rng, activity, seconds, plot)
    crates: list[tuple[float, float, float]] = []
    if activity == "harvesting":
        worker = actors[0]
        assert worker.active is not None
        cw = 0.6 * worker.size / 1.7
        # beside where the worker stands while harvesting (keys[1] is not that when the walk
        # in starts off screen and gets an extra keyframe)
        at = path_x(worker.keys, worker.active[0])
        crates.append((at + 0.4 * worker.size, worker.row + 2, cw))
    cond = Conditions.sample(rng)
    cond = Conditions(cond.light, cond.brightness, cond.haze, cond.rain, 0, cond.noise, cond.jpeg)
    crate_style = ThingStyle.sample(rng, CRATE_PLASTIC)
    writer = _open_writer(out, fps, width, height)
    n_frames = round(seconds * fps)
    light_period = float(rng.uniform(8, 20))
    try:
        for i in range(n_frames):
            t = i / fps
            img = scene.image.copy()
            items = [(a.row, a) for a in actors]
            for cx, cy, cw in crates:
                draw_crate(img, (cx, cy), cw, crate_style, produce=True)
            for _, actor in sorted(items, key=lambda it: it[0]):
                _draw_actor(img, actor, t, i)
            draw_clumps(scene, img, sway=0.25 * math.sin(2 * math.pi * t / 2.7))
            lighting = 1.0 + 0.1 * math.sin(2 * math.pi * t / light_period)
            frame = apply_conditions(img, cond, rng, scene.horizon, lighting)
            if writer is not None:
                writer.write(frame)
    finally:
        if writer is not None:
            writer.release()
    truth = [
        ActivityTruth(
            activity=activity,
            start_s=_snap(a.active[0], fps),
            end_s=min(_snap(a.active[1], fps), n_frames / fps),
            plot=PLOT,
        )
        for a in actors
        if a.active is not None and a.kind in ("sprayer", "harvester")
    ]
    return ClipTruth(
        fps=fps,
        width=width,
        height=height,
        seconds=n_frames / fps,
        seed=seed,
        activities=truth,
        plots={PLOT: [(round(x, 1), round(y, 1)) for x, y in plot]},
    )


def _snap(t: float, fps: int) -> float:
    """The time of the first frame at or after T (frames are where the activity is visible)."""
    return math.ceil(t * fps - 1e-9) / fps


def _open_writer(out: Path | None, fps: int, width: int, height: int) -> cv2.VideoWriter | None:
    if out is None:
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter.fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        raise OSError(f"cannot write video {out} (OpenCV has no MP4 encoder?)")
    return writer
