"""Who moves where in a clip: actors with piecewise-linear paths (pure, no drawing).

Times are seconds from the clip's first frame; x positions are pixels; every actor walks along
one ground row (fixed y), so its size stays constant under the scene's perspective.
"""

import bisect
from dataclasses import dataclass, field

import numpy as np

WALK_M_S = 1.2  # walking speed
SPRAY_M_S = 0.4  # pace while spraying along a row


@dataclass
class Actor:
    """One moving object: its kind, ground row, size, path keyframes and activity windows."""

    kind: str  # sprayer, walker, harvester, tractor, livestock, drone
    row: float  # ground row in pixels (for a drone: its height in the image)
    size: float  # height in pixels (span for a drone)
    keys: list[tuple[float, float]]  # (t, x) keyframes, t increasing
    active: tuple[float, float] | None = None  # spraying / harvesting window (seconds)
    seed: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    def x_at(self, t: float) -> float:
        """Position at time T (held at the first/last keyframe outside the path)."""
        return path_x(self.keys, t)

    def facing_at(self, t: float) -> int:
        """+1 when moving (or last moved) right, -1 left."""
        dt = 0.05
        a, b = self.x_at(t - dt), self.x_at(t + dt)
        if abs(b - a) < 1e-6:
            # standing still: face the way the path goes overall
            return 1 if self.keys[-1][1] >= self.keys[0][1] else -1
        return 1 if b > a else -1

    def is_active(self, t: float) -> bool:
        """Whether the actor's activity (spraying, harvesting) is on at time T."""
        return self.active is not None and self.active[0] <= t < self.active[1]


def path_x(keys: list[tuple[float, float]], t: float) -> float:
    """Piecewise-linear interpolation of (t, x) KEYS at time T."""
    times = [k[0] for k in keys]
    if t <= times[0]:
        return keys[0][1]
    if t >= times[-1]:
        return keys[-1][1]
    i = bisect.bisect_right(times, t)
    (t0, x0), (t1, x1) = keys[i - 1], keys[i]
    return x0 + (x1 - x0) * (t - t0) / (t1 - t0)


def worker_path(
    rng: np.random.Generator,
    seconds: float,
    plot_x: tuple[float, float],
    px_per_m: float,
    width: float,
    *,
    moving_while_active: bool,
) -> tuple[list[tuple[float, float]], tuple[float, float]]:
    """A walk in from one side to the plot, an activity window, then a walk out.

    Returns the keyframes and the activity window; during spraying the worker walks slowly along
    the row inside the plot, while harvesting they stay put.
    """
    start = float(rng.uniform(0.12, 0.25) * seconds)
    stop = start + float(rng.uniform(0.35, 0.55) * seconds)
    left_to_right = bool(rng.random() < 0.5)
    a, b = plot_x
    margin = 0.12 * (b - a)
    walk = WALK_M_S * px_per_m
    if moving_while_active:
        span = min(SPRAY_M_S * px_per_m * (stop - start), (b - a) - 2 * margin)
        # max(0, …): when span takes the whole room, float rounding can make high < low
        first = a + margin + float(rng.uniform(0.0, max(0.0, (b - a) - 2 * margin - span)))
        enter, leave = (first, first + span) if left_to_right else (first + span, first)
    else:
        enter = leave = float(rng.uniform(a + margin, b - margin))
    sign = 1 if left_to_right else -1
    x0 = enter - sign * walk * start
    x_end = leave + sign * walk * (seconds - stop + 1.0)
    keys = [(0.0, x0), (start, enter), (stop, leave), (seconds + 1.0, x_end)]
    # keep the walker's entry on screen or just off it, never far out
    if not -0.15 * width < x0 < 1.15 * width:
        edge = -0.1 * width if left_to_right else 1.1 * width
        t_in = abs(enter - edge) / walk
        keys = [(0.0, edge), (max(0.0, start - t_in), edge), *keys[1:]]
    return keys, (start, stop)


def crossing_path(
    rng: np.random.Generator, seconds: float, width: float, speed_px_s: float
) -> list[tuple[float, float]]:
    """A pass across the whole frame at SPEED, starting at a random time within the clip."""
    left_to_right = bool(rng.random() < 0.5)
    a, b = (-0.2 * width, 1.2 * width) if left_to_right else (1.2 * width, -0.2 * width)
    duration = abs(b - a) / max(speed_px_s, 1.0)
    t0 = float(rng.uniform(-0.3 * duration, max(0.0, seconds - 0.5 * duration)))
    return [(t0, a), (t0 + duration, b)]


def grazing_path(
    rng: np.random.Generator, seconds: float, x: float, px_per_m: float
) -> list[tuple[float, float]]:
    """Slow back-and-forth steps of a grazing animal around X."""
    keys = [(0.0, x)]
    t = 0.0
    while t < seconds:
        t += float(rng.uniform(2, 6))
        x += float(rng.uniform(-1.5, 1.5) * px_per_m)
        keys.append((t, x))
    return keys
