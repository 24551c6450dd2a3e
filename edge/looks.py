"""When the COCO verifier looks at one camera's frame, and what its look changes.

Two needs share one COCO inference per frame at most:
- the sweep: every `sweep_s` a look at the whole frame for the people our model missed (and at
  `sweep_tiles` crops, a `sweep_input` size, crops around motion), fused into our detections
  before tracking (`edge.verify.fuse_people`);
- a track's look (`edge.verdicts`): a spraying cue with no verdict or due a recheck, a new
  `livestock`/`drone` track (with crops around it, `relabel_crop`).

The tracker takes a frame first, so that a sweep's look knows which new tracks to crop around,
and a cue's look made when a sweep is nearly due is that sweep (one look, not two; its people
fused). When the look's people change our boxes, the tracker takes the frame again from where
it stood (`Tracker.snapshot`). On the frames between sweeps, what the last one saw is kept:
our part boxes it widened get the whole again (`edge.carry`), and the people it added are found
again by their templates (`edge.hold`; `verifier.between_sweeps`).
"""

import math
import time
from dataclasses import dataclass, field
from datetime import datetime

from agrisafe.timeutil import due
from edge.carry import Extent, carry, measured, renewed
from edge.detect.base import Detection
from edge.detect.verifier import Crops, Verifier
from edge.frames import Frame
from edge.hold import MOST, Patch, find, patch
from edge.motion import MotionDetector
from edge.params import VerifierParams
from edge.stats import Stats
from edge.tracker import Track, Tracker
from edge.verdicts import TrackVerdicts
from edge.verify import PERSON, fuse_people, relabel_crops, sweep_crops, unconfirmed_people


@dataclass(frozen=True, slots=True)
class Tracked:
    """One frame's tracks and the sweep's look that went into them (None: no sweep)."""

    tracks: list[Track]
    refs: list[Detection] | None = None
    cropped: bool = False  # the look also looked at the relabel crops of the new tracks
    added: int = 0  # people COCO saw that ours missed
    doubted: int = 0  # our sure `person` boxes no COCO person covered


@dataclass
class Looks:
    """One camera's verifier looks (None: no verifier) over its tracker; counts in STATS."""

    verifier: Verifier | None
    params: VerifierParams
    high_score: float  # a `person` this sure, unseen by COCO, is doubted (`tracker.high_score`)
    tracker: Tracker
    motion: MotionDetector
    stats: Stats
    verdicts: TrackVerdicts = field(init=False)
    rejected: int = 0  # cue tracks rejected on this frame
    confirmed_now: bool = False  # a confirmed cue track is seen in this frame
    _swept_at: datetime | None = None  # the last sweep
    _extents: list[Extent] = field(default_factory=list)  # widenings carried between sweeps
    _patches: list[Patch] = field(default_factory=list)  # the last sweep's added people
    _size: tuple[int, ...] | None = None  # the frames' (height, width) the two above are in

    def __post_init__(self) -> None:
        self.verdicts = TrackVerdicts(self.params)

    def quiet(self, frame: Frame) -> list[Detection] | None:
        """On a frame the motion gate let pass, the sweep still looks when it looks around
        motion (`sweep_motion_crop`) and something changed: a far worker walking changes
        fewer pixels than `min_area`; a person it sees wakes the frame."""
        if self.params.sweep_motion_crop is None or not self.motion.changed:
            return None
        return self._sweep(frame) if self._sweep_due(frame.ts) else None

    def track(
        self, frame: Frame, dets: list[Detection], refs: list[Detection] | None = None
    ) -> Tracked:
        """This frame's tracks from our detections, with earlier sweeps' widenings carried
        (`edge.carry`) and their people held (`edge.hold`), or fused with this frame's sweep.
        REFS: the look that woke a quiet frame (`quiet`), fused before tracking."""
        size = frame.image.shape[:2]
        if size != self._size:  # a new resolution: the last sweep's boxes are not this frame's
            self._size, self._extents, self._patches = size, [], []
        carried, n_carried = self._carry(frame, dets)
        if refs is not None:
            fused, added, doubted = self._fuse(frame, dets, refs, carried)
            return Tracked(list(self.tracker.update(fused, frame.ts)), refs, False, added, doubted)
        held = [] if self._sweep_due(frame.ts) else self._held(frame)
        base = [*carried, *held] if held else carried
        sweeping = self.verifier is not None and self.params.sweep_s > 0
        before = self.tracker.snapshot() if sweeping else None
        tracks = list(self.tracker.update(base, frame.ts))
        if before is None or not (
            self._sweep_due(frame.ts)
            or (self.verdicts.pending(tracks, frame.ts) and self._sweep_due(frame.ts, cue=True))
        ):
            self.stats.people_carried += n_carried  # counted on frames without a sweep
            self.stats.people_held += len(held)
            return Tracked(tracks)
        height, width = frame.image.shape[:2]
        boxes = self.verdicts.unlooked(tracks)
        refs = self._sweep(frame, relabel_crops(boxes, width, height, self.params))
        fused, added, doubted = self._fuse(frame, dets, refs, carried)
        if fused is not base:  # the sweep's people replace what was carried and held
            self.tracker.restore(before)
            tracks = list(self.tracker.update(fused, frame.ts))
        return Tracked(tracks, refs, True, added, doubted)

    def verified(self, frame: Frame, tracked: Tracked) -> list[Track]:
        """The tracks as the activity machines should see them. The COCO model looks once per
        cue track (cached by track id), not once per frame; a sweep's look is reused."""
        tracks, refs = tracked.tracks, tracked.refs
        if self.verifier is None:
            return tracks
        self.rejected = 0
        v = self.verdicts
        v.forget(t.id for t in tracks)
        if v.pending(tracks, frame.ts):
            if refs is None or not tracked.cropped:  # else the sweep's look crops for them too
                height, width = frame.image.shape[:2]
                crops = relabel_crops(v.unlooked(tracks), width, height, self.params)
                if refs is None or crops:
                    refs = (refs or []) + self._look(frame, crops=crops)
            decided = v.decide(tracks, refs, frame.ts)
            self.stats.abstained += decided.rejected
            self.rejected = decided.rejected
            self.stats.relabelled += decided.relabelled
        self.confirmed_now = v.confirmed(tracks)
        return v.apply(tracks)

    def _carry(self, frame: Frame, dets: list[Detection]) -> tuple[list[Detection], int]:
        """DETS with the widenings of earlier sweeps carried (DETS itself when none applied),
        and how many."""
        if not self._extents or not self.params.between_sweeps:
            return dets, 0
        height, width = frame.image.shape[:2]
        p = self.params
        size, labels = (width, height), (PERSON, *p.relabel)  # the labels a sweep widens
        out, self._extents = carry(dets, self._extents, frame.ts, p.sweep_s, size, labels)
        changed = sum(a.box != b.box for a, b in zip(dets, out, strict=True))
        return (out if changed else dets), changed

    def _held(self, frame: Frame) -> list[Detection]:
        """The people the last sweep added, found again on FRAME by their templates."""
        if not self._patches or not self.params.between_sweeps:
            return []
        cap = math.nextafter(self.high_score, 0.0)  # may keep a track seen, never start one
        out: list[Detection] = []
        for i, p in enumerate(self._patches):
            found = find(frame.image, p, cap)  # greys only the region it searches
            if found is not None:
                out.append(found[0])
                self._patches[i] = found[1]
        return out

    def _fuse(
        self, frame: Frame, dets: list[Detection], refs: list[Detection], carried: list[Detection]
    ) -> tuple[list[Detection], int, int]:
        """Our detections (DETS; CARRIED: with earlier widenings carried) with a sweep's people
        (`fuse_people`; CARRIED itself when it changed nothing), the people added and ours
        doubted; counted. The sweep's widenings replace the extents of the parts it saw."""
        doubted = len(unconfirmed_people(dets, refs, self.params, self.high_score))
        sweep = fuse_people(dets, refs, self.params, carried)
        fresh = measured(sweep.widenings, frame.ts)
        self._extents = renewed(self._extents, fresh, frame.ts, self.params.sweep_s)
        added = sorted(sweep.dets[len(sweep.dets) - sweep.added :], key=lambda d: -d.score)
        self._patches = [p for d in added[:MOST] if (p := patch(frame.image, d)) is not None]
        self.stats.people_added += sweep.added
        self.stats.people_unconfirmed += doubted
        self.stats.people_widened += sweep.widened
        changed = sweep.added or sweep.widened
        return (sweep.dets if changed else carried), sweep.added, doubted

    def _sweep_due(self, ts: datetime, cue: bool = False) -> bool:
        """A sweep is due every `sweep_s`. A cue's look (CUE) is made the sweep's when it costs
        no more than a cue's (no `sweep_input`, `sweep_tiles` or `sweep_motion_crop`) or half
        the interval has passed."""
        p = self.params
        if self.verifier is None or p.sweep_s <= 0:
            return False
        if due(self._swept_at, ts, p.sweep_s):
            return True
        plain = p.sweep_input is None and p.sweep_tiles is None and p.sweep_motion_crop is None
        return cue and (plain or due(self._swept_at, ts, p.sweep_s / 2))

    def _sweep(self, frame: Frame, crops: Crops = ()) -> list[Detection]:
        """A sweep's look: the whole frame, around where it moved (none: motion off), CROPS."""
        self._swept_at = frame.ts
        height, width = frame.image.shape[:2]
        moved = sweep_crops(self.motion.regions(), width, height, self.params)
        refs = self._look(frame, tiled=True, crops=[*moved, *crops])
        self.stats.swept += 1
        self.stats.motion_crops += len(moved)
        return refs

    def _look(self, frame: Frame, tiled: bool = False, crops: Crops = ()) -> list[Detection]:
        """One COCO look at this frame (TILED: a sweep's; CROPS: also there), timed."""
        assert self.verifier is not None
        began = time.perf_counter()
        refs = self.verifier.reference(frame.image, tiled, crops)
        self.stats.verify_ms += (time.perf_counter() - began) * 1000
        self.stats.verified += 1
        return refs
