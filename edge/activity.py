"""Activity state machines over tracks in plots (pure: no I/O, time comes with each frame).

Per (activity, plot) one machine: idle → candidate (conditions seen) → active (held ≥ T) → idle.
Gaps shorter than `gap_s` are bridged in both candidate and active (hysteresis: a plume that
flickers for a second does not split one spraying). `start` is back-dated to the first frame of
the candidate run, `end` is the last frame where the conditions held.
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from edge.geometry import grow, touches
from edge.params import ActivityRule
from edge.tracker import Track


class Phase(StrEnum):
    """Where a machine is."""

    IDLE = "idle"
    CANDIDATE = "candidate"
    ACTIVE = "active"


@dataclass(frozen=True, slots=True)
class ActivityEvent:
    """A start or an end of one activity instance (`seq` numbers instances per machine)."""

    activity: str
    plot: str
    state: str  # start | end
    ts: datetime
    confidence: float
    seq: int
    first_ts: datetime
    peak_ts: datetime


@dataclass
class IntervalMachine:
    """Hysteresis over a per-frame boolean with a minimum duration."""

    activity: str
    plot: str
    min_duration_s: float
    gap_s: float
    phase: Phase = Phase.IDLE
    seq: int = 0
    first: datetime | None = None
    last: datetime | None = None
    total: float = 0.0
    count: int = 0
    peak: float = -1.0
    peak_ts: datetime | None = None
    last_end: datetime | None = None

    def step(
        self, ts: datetime, holds: bool, score: float = 0.0, since: datetime | None = None
    ) -> list[ActivityEvent]:
        """Feed one frame; `since`: when the objects now satisfying the conditions appeared
        (the tracker and zone gates confirm them a few frames late; the start is back-dated)."""
        if holds:
            if self.phase is Phase.IDLE:
                start = min(ts, since or ts)
                if self.last_end is not None and start <= self.last_end:
                    start = ts  # never back-date into the previous instance
                self.phase, self.first = Phase.CANDIDATE, start
                self.total, self.count, self.peak = 0.0, 0, -1.0
            self.last = ts
            self.total += score
            self.count += 1
            if score > self.peak:
                self.peak, self.peak_ts = score, ts
            if self.phase is Phase.CANDIDATE and self._held() >= self.min_duration_s:
                self.phase = Phase.ACTIVE
                self.seq += 1
                return [self._event("start", self._first())]
            return []
        if self.phase is Phase.IDLE or self.last is None:
            return []
        if (ts - self.last).total_seconds() <= self.gap_s:
            return []
        return self.close()

    def close(self) -> list[ActivityEvent]:
        """End what is open at its last held frame (source ended, or a long gap)."""
        was = self.phase
        self.phase = Phase.IDLE
        if was is Phase.ACTIVE and self.last is not None:
            self.last_end = self.last
            return [self._event("end", self.last)]
        return []

    def _held(self) -> float:
        assert self.first is not None
        assert self.last is not None
        return (self.last - self.first).total_seconds()

    def _first(self) -> datetime:
        assert self.first is not None
        return self.first

    def _event(self, state: str, ts: datetime) -> ActivityEvent:
        conf = self.total / self.count if self.count else 0.0
        peak_ts = self.peak_ts or ts
        return ActivityEvent(
            self.activity, self.plot, state, ts, round(conf, 4), self.seq, self._first(), peak_ts
        )


@dataclass(frozen=True, slots=True)
class Holding:
    """The rule holds in a plot this frame: weakest score involved, and since when."""

    score: float
    since: datetime | None


def speed(track: Track, dt_s: float) -> float:
    """Centre speed in the track's own heights per second (velocity is per processed frame)."""
    vx = (track.velocity[0] + track.velocity[2]) / 2
    vy = (track.velocity[1] + track.velocity[3]) / 2
    height = max(track.box[3] - track.box[1], 1.0)
    return math.hypot(vx, vy) / height / max(dt_s, 1e-6)


Calibrate = Callable[[str, float], float]


def raw(_label: str, score: float) -> float:
    """No calibration: the detector's score as it is."""
    return score


def frame_holds(
    rule: ActivityRule,
    tracks: list[Track],
    plot_of: Mapping[int, str],
    dt_s: float | None = None,
    calibrate: Calibrate = raw,
) -> dict[str, Holding]:
    """Plots where the rule's conditions hold in this frame; `dt_s`: seconds since the previous
    processed frame (needed by a rule with a speed limit); the holding's score is the weakest
    involved object's, through CALIBRATE (`edge.calibration`) when the model has maps."""
    seen = [t for t in tracks if t.seen_now]
    result: dict[str, Holding] = {}
    for carrier in seen:
        if not carrier.confirmed:
            continue
        plot = plot_of.get(carrier.id)
        if carrier.label not in rule.carriers or plot is None:
            continue
        slow_only = rule.max_speed is not None
        if slow_only and (dt_s is None or speed(carrier, dt_s) > (rule.max_speed or 0.0)):
            continue
        area = grow(carrier.box, rule.margin)
        involved = [carrier]
        for needed in rule.required.get(carrier.label, []):
            near = [
                t
                for t in seen
                if t.label == needed and t.score >= rule.accessory_score and touches(area, t.box)
            ]
            if not near:
                break
            involved.append(max(near, key=lambda t: t.score))
        else:
            score = min(calibrate(t.label, t.score) for t in involved)
            runs = [t.since for t in involved if t.since is not None]
            # a speed condition starts holding when the carrier slows down, not when it appeared
            since = max(runs) if len(runs) == len(involved) and not slow_only else None
            if plot not in result or score > result[plot].score:
                result[plot] = Holding(score, since)
    return result


@dataclass
class ActivityRecognizer:
    """All rules over all plots of one camera."""

    rules: Mapping[str, ActivityRule]
    calibrate: Calibrate = raw
    machines: dict[tuple[str, str], IntervalMachine] = field(default_factory=dict)
    previous: datetime | None = None

    def step(
        self, ts: datetime, tracks: list[Track], plot_of: Mapping[int, str]
    ) -> list[ActivityEvent]:
        """Feed one frame's tracks and plot memberships."""
        events: list[ActivityEvent] = []
        dt = (ts - self.previous).total_seconds() if self.previous is not None else None
        self.previous = ts
        for name, rule in self.rules.items():
            holding = frame_holds(rule, tracks, plot_of, dt, self.calibrate)
            for plot in holding:
                if (name, plot) not in self.machines:
                    self.machines[name, plot] = IntervalMachine(
                        name, plot, rule.min_duration_s, rule.gap_s
                    )
            for (activity, plot), m in self.machines.items():
                if activity == name:
                    h = holding.get(plot)
                    events += m.step(
                        ts, h is not None, h.score if h else 0.0, h.since if h else None
                    )
        return events

    def close(self) -> list[ActivityEvent]:
        """End every open activity (the source ended)."""
        return [e for m in self.machines.values() for e in m.close()]
