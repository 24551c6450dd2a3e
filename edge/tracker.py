"""ByteTrack-style IoU tracker with a constant-velocity prediction and a score-median gate.

Two association stages per class: confident detections first, then the weak ones only to keep
existing tracks alive (ByteTrack's insight: a low score on a known object is still evidence).
Within each stage, what IoU leaves is matched by containment (`part_cover`): the same worker
boxed by his head one frame and whole the next, when a sweep widened our box to COCO's.
A track *counts* (is `confirmed`) only after `min_hits` detections with a median score over the
last `window` at or above `confirm_median` — Frigate's guard against one-frame false positives.
"""

import statistics
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from edge.detect.base import Detection
from edge.geometry import Box, area, best_first, cover, iou
from edge.params import TrackerParams

RESIZED_BELOW = 0.5  # a matched box with under half (or over twice) the area: no velocity
TrackerState = tuple[list["Track"], int]  # the tracks (copies) and the next id


@dataclass
class Track:
    """One object followed over frames."""

    id: int
    label: str
    box: Box
    scores: deque[float]
    hits: int = 1
    missed: int = 0  # frames since the last matching detection
    confirmed: bool = False
    velocity: Box = (0.0, 0.0, 0.0, 0.0)
    born: datetime | None = None  # time of its first detection
    since: datetime | None = None  # start of its current run of consecutive detections

    @property
    def score(self) -> float:
        """The latest detection score."""
        return self.scores[-1]

    @property
    def seen_now(self) -> bool:
        """True when this frame's detections matched it."""
        return self.missed == 0


@dataclass
class Tracker:
    """Pure state over a sequence of per-frame detections (no I/O, no clock)."""

    params: TrackerParams
    tracks: list[Track] = field(default_factory=list)
    _next_id: int = 1

    def update(self, detections: list[Detection], ts: datetime | None = None) -> list[Track]:
        """Associate this frame's detections (taken at `ts`); returns the live tracks."""
        p = self.params
        for t in self.tracks:
            t.box = tuple(b + v for b, v in zip(t.box, t.velocity, strict=True))  # type: ignore[assignment]
            t.missed += 1
        high = [d for d in detections if d.score >= p.high_score]
        low = [d for d in detections if d.score < p.high_score]
        unmatched = self._associate(high, self.tracks, ts)
        self._associate(low, [t for t in self.tracks if t.missed > 0], ts)
        for d in unmatched:
            self._new(d, ts)
        self.tracks = [t for t in self.tracks if t.missed <= p.max_age]
        return self.tracks

    def snapshot(self) -> TrackerState:
        """The state before a frame, for `restore`: the frame taken again with more boxes (a
        verifier look it made turned out to see people ours missed)."""
        copies = [replace(t, scores=deque(t.scores, t.scores.maxlen)) for t in self.tracks]
        return copies, self._next_id

    def restore(self, state: TrackerState) -> None:
        """Back to a `snapshot` (the tracks it copied, the ids it would have given next)."""
        self.tracks, self._next_id = state

    def hold(self) -> list[Track]:
        """A frame without detection (motion-gated): tracks keep their state unchanged."""
        return self.tracks

    def _associate(
        self, dets: list[Detection], tracks: list[Track], ts: datetime | None
    ) -> list[Detection]:
        used: set[int] = set()
        self._pair(dets, tracks, iou, self.params.match_iou, used, ts)
        if self.params.part_cover is not None:
            # What IoU left: one box lying within the other is the same object seen whole
            # and in part (a sweep widens our head box to COCO's whole worker, and the next
            # frame's detection is the head again: IoU ≈ 0.1).
            self._pair(dets, tracks, cover, self.params.part_cover, used, ts)
        return [d for i, d in enumerate(dets) if i not in used]

    def _pair(
        self,
        dets: list[Detection],
        tracks: list[Track],
        measure: Callable[[Box, Box], float],
        least: float,
        used: set[int],
        ts: datetime | None,
    ) -> None:
        """Greedy one-to-one matching by MEASURE ≥ LEAST, best first; USED: matched dets."""
        pairs = (
            (measure(d.box, t.box), di, ti)
            for di, d in enumerate(dets)
            if di not in used
            for ti, t in enumerate(tracks)
            if d.label == t.label and t.missed > 0
        )
        for _, di, ti in best_first(p for p in pairs if not p[0] < least):
            used.add(di)
            self._hit(tracks[ti], dets[di], ts)

    def _hit(self, t: Track, d: Detection, ts: datetime | None) -> None:
        steps = t.missed
        if steps > 1 or t.since is None:  # it was unseen for a while: a new run begins
            t.since = ts
        predicted = tuple(b - v * steps for b, v in zip(t.box, t.velocity, strict=True))
        # Smoothed per-frame velocity from the last matched box to this one; a box that
        # halved or doubled is a part seen whole or the whole in part, not motion.
        before = area(predicted)  # type: ignore[arg-type]
        if before > 0 and RESIZED_BELOW <= area(d.box) / before <= 1 / RESIZED_BELOW:
            new_v = tuple((n - o) / steps for n, o in zip(d.box, predicted, strict=True))
            t.velocity = tuple(0.5 * a + 0.5 * b for a, b in zip(t.velocity, new_v, strict=True))  # type: ignore[assignment]
        t.box = d.box
        t.missed = 0
        t.hits += 1
        t.scores.append(d.score)
        self._gate(t)

    def _new(self, d: Detection, ts: datetime | None) -> None:
        scores = deque([d.score], maxlen=self.params.window)
        t = Track(self._next_id, d.label, d.box, scores, born=ts, since=ts)
        self._next_id += 1
        self._gate(t)
        self.tracks.append(t)

    def _gate(self, t: Track) -> None:
        p = self.params
        if not t.confirmed and t.hits >= p.min_hits:
            t.confirmed = statistics.median(t.scores) >= p.confirm_median
