"""One camera's pipeline: motion → detect → track → plots → activities → evidence → envelopes.

Synchronous and single-threaded per camera: each frame is fully processed before the next, which
is what makes a file's events identical on every machine.
"""

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from agrisafe.protocol import ActivityEnvelope, EvidenceRef
from agrisafe.timeutil import due
from edge.activity import ActivityEvent, ActivityRecognizer, Phase, raw
from edge.calibration import Calibration
from edge.detect.base import Detection, Detector
from edge.detect.verifier import Crops, Verifier
from edge.drift import DriftProfile, DriftStats, drift, luma_stats
from edge.envelopes import CameraContext, Trust, activity_envelope
from edge.evidence import CLIP_MEDIA, CLIP_SUFFIX, ClipRecorder, EvidenceStore, jpeg
from edge.frames import Frame
from edge.geometry import Point
from edge.motion import MotionDetector
from edge.params import PipelineParams
from edge.tracker import Track, Tracker
from edge.uncertain import UncertainSample, uncertain_reasons
from edge.verdicts import TrackVerdicts
from edge.verify import fuse_people, relabel_crops, sweep_crops, unconfirmed_people
from edge.zones import PlotZones, frame_warnings

logger = logging.getLogger(__name__)


@dataclass
class Stats:
    """Counters for telemetry (reset by whoever reports them)."""

    frames: int = 0
    detected: int = 0
    gated: int = 0
    infer_ms: float = 0.0
    motion: float = 0.0
    activities: int = 0
    verified: int = 0  # frames the COCO verifier looked at (a track due a look, or a sweep)
    abstained: int = 0  # cue tracks it did not confirm (hidden from the activity machines)
    relabelled: int = 0  # our tracks it renamed `person`
    swept: int = 0  # of the verified frames, whole-frame looks for missed people
    people_added: int = 0  # COCO people our model missed, added as `person` detections
    people_unconfirmed: int = 0  # our sure `person` boxes no COCO person covered on a sweep
    people_widened: int = 0  # our `person` boxes on a part of a COCO person, given his box
    motion_crops: int = 0  # crops around motion the sweeps looked at (`sweep_motion_crop`)
    woken: int = 0  # frames the motion gate let pass that such a sweep's person woke
    verify_ms: float = 0.0

    def snapshot_and_reset(self) -> "Stats":
        """The counts so far; this object starts again from zero."""
        out = Stats(**vars(self))
        for name in vars(self):
            setattr(self, name, type(getattr(self, name))())
        return out


@dataclass
class CameraPipeline:
    """Per-frame processing of one camera (pure decisions, evidence I/O at the edge)."""

    ctx: CameraContext
    detector: Detector
    params: PipelineParams
    detect_fps: float
    plots: Mapping[str, Sequence[Point]] = field(default_factory=dict)
    evidence: EvidenceStore | None = None
    stats: Stats = field(default_factory=Stats)
    verifier: Verifier | None = None
    drift: DriftStats = field(default_factory=DriftStats)
    profile: DriftProfile | None = None  # the model's domain: activities say out_of_domain
    uncertain: UncertainSample | None = None  # frames kept for labelling
    calibration: Calibration | None = None  # the model's score → probability maps

    DOMAIN_WINDOW = 3000  # detected frames the out_of_domain verdict looks back over (at most)

    def __post_init__(self) -> None:
        p = self.params
        self._motion = MotionDetector(p.motion)
        self._tracker = Tracker(p.tracker)
        self._zones = PlotZones(self.plots, p.zones.inertia)
        self._activities = ActivityRecognizer(
            p.activities, self.calibration.apply if self.calibration else raw
        )
        ev = p.evidence
        self._clips = ClipRecorder(
            self.detect_fps, ev.pre_roll_s, ev.max_clip_s, ev.clip_width, ev.lookback_s
        )
        self._peak: dict[tuple[str, str], npt.NDArray[np.uint8]] = {}
        self._since_detect = 0
        self._last: Frame | None = None
        self._verdicts = TrackVerdicts(p.verifier)
        self._domain = DriftStats()  # a longer window than telemetry's, for out_of_domain
        self._ood = False
        self._rejected = 0  # cue tracks the verifier rejected on this frame
        self._confirmed_now = False  # a confirmed cue track is seen in this frame
        self._instance_ok: dict[tuple[str, str], bool] = {}  # open spraying: a cue confirmed
        self._new_plots: dict[str, list[Point]] | None = None  # from a set_zones command
        self._swept_at: datetime | None = None  # the last whole-frame look for missed people

    @property
    def last_frame(self) -> Frame | None:
        """The latest frame processed (for a snapshot command), or None before the first."""
        return self._last

    def replace_plots(self, plots: Mapping[str, Sequence[Point]]) -> None:
        """New plot polygons from another thread (a command); used from the next frame on."""
        self._new_plots = {k: list(v) for k, v in plots.items()}

    def process(self, frame: Frame) -> list[ActivityEnvelope]:
        """Run one frame through every stage; returns the activity messages it completes."""
        self.stats.frames += 1
        new, self._new_plots = self._new_plots, None
        if new is not None:
            self.plots = new
            self._zones = PlotZones(new, self.params.zones.inertia)
        if self._last is None or new is not None:  # the first frame tells the real resolution
            height, width = frame.image.shape[:2]
            for line in frame_warnings(self.plots, width, height):
                logger.warning("camera %s: %s", self.ctx.camera, line)
        tracks = self._detect_and_track(frame)
        plot_of = self._zones.update(tracks)
        events = self._activities.step(frame.ts, tracks, plot_of)
        self._note_confirmation()
        self._last = frame
        return self._evidence_and_envelopes(frame, events)

    def finish(self) -> list[ActivityEnvelope]:
        """The source ended: close every open activity at its last frame."""
        events = self._activities.close()
        if self._last is None:
            return []
        return self._evidence_and_envelopes(self._last, events, push=False)

    def _detect_and_track(self, frame: Frame) -> list[Track]:
        mp = self.params.motion
        moving = True
        if mp.enabled:
            result = self._motion.update(frame.image)
            self.stats.motion += result.ratio
            moving = result.moving
        live = bool(self._tracker.tracks)
        self._since_detect += 1
        wake = moving or (live and self._since_detect >= mp.stationary_every) or not mp.enabled
        refs = None if wake else self._sweep_quiet(frame)
        if wake or (refs is not None and any(r.label == "person" for r in refs)):
            self.stats.woken += not wake
            self._since_detect = 0
            began = time.perf_counter()
            dets: list[Detection] = self.detector.detect(frame.image)
            self.stats.infer_ms += (time.perf_counter() - began) * 1000
            self.stats.detected += 1
            seen = ([(d.label, d.score) for d in dets], luma_stats(frame.image))
            self.drift.add(*seen)
            self._domain.add(*seen)
            refs = refs if refs is not None else self._sweep(frame)
            fused, added, doubted = dets, 0, 0
            if refs is not None:  # a sweep's look: people COCO saw that ours missed, and back
                vp = self.params.verifier
                doubted = len(unconfirmed_people(dets, refs, vp, self.params.tracker.high_score))
                sweep = fuse_people(dets, refs, vp)
                fused, added = sweep.dets, sweep.added
                self.stats.people_widened += sweep.widened
            self.stats.people_added += added
            self.stats.people_unconfirmed += doubted
            tracks = list(self._tracker.update(fused, frame.ts))
            out = self._verified(frame, tracks, refs)
            self._keep_uncertain(frame, dets, tracks, added, doubted)
            return out
        self.stats.gated += 1
        return self._verified(frame, list(self._tracker.hold()), refs)

    def _sweep_quiet(self, frame: Frame) -> list[Detection] | None:
        """On a frame the motion gate let pass, the sweep still looks when it looks around
        motion (`sweep_motion_crop`) and something changed: a far worker walking changes
        fewer pixels than `min_area`; a person it sees wakes the frame."""
        if self.params.verifier.sweep_motion_crop is None or not self._motion.changed:
            return None
        return self._sweep(frame)

    def _sweep(self, frame: Frame) -> list[Detection] | None:
        """Every `sweep_s` the COCO model looks at the whole frame (None: not this frame)."""
        every = self.params.verifier.sweep_s
        if self.verifier is None or every <= 0:
            return None
        if not due(self._swept_at, frame.ts, every):
            return None
        self._swept_at = frame.ts
        height, width = frame.image.shape[:2]  # around where it moved (none: motion off)
        crops = sweep_crops(self._motion.regions(), width, height, self.params.verifier)
        refs = self._look(frame, tiled=True, crops=crops)
        self.stats.swept += 1
        self.stats.motion_crops += len(crops)
        return refs

    def _look(self, frame: Frame, tiled: bool = False, crops: Crops = ()) -> list[Detection]:
        """One COCO look at this frame (TILED: a sweep's, on `sweep_tiles` crops too; CROPS:
        also there), timed."""
        assert self.verifier is not None
        began = time.perf_counter()
        refs = self.verifier.reference(frame.image, tiled, crops)
        self.stats.verify_ms += (time.perf_counter() - began) * 1000
        self.stats.verified += 1
        return refs

    def _verified(
        self, frame: Frame, tracks: list[Track], refs: list[Detection] | None = None
    ) -> list[Track]:
        """The COCO model looks once per cue track (cached by track id), not once per frame;
        a sweep's look at this frame (`refs`) is reused."""
        if self.verifier is None:
            return tracks
        self._rejected = 0
        v = self._verdicts
        v.forget(t.id for t in tracks)
        if v.pending(tracks, frame.ts):
            height, width = frame.image.shape[:2]
            crops = relabel_crops(v.unlooked(tracks), width, height, self.params.verifier)
            if refs is None or crops:  # a sweep's look is reused; a crop needs one more
                refs = (refs or []) + self._look(frame, crops=crops)
            decided = v.decide(tracks, refs, frame.ts)
            s = self.stats
            s.abstained += decided.rejected
            self._rejected = decided.rejected
            s.relabelled += decided.relabelled
        self._confirmed_now = v.confirmed(tracks)
        return v.apply(tracks)

    def _note_confirmation(self) -> None:
        """Remember, per open spraying, whether any of its frames had a confirmed cue."""
        for key, m in self._activities.machines.items():
            if key[0] == "spraying" and m.phase is not Phase.IDLE:
                self._instance_ok[key] = self._instance_ok.get(key, False) or self._confirmed_now

    def _keep_uncertain(
        self,
        frame: Frame,
        dets: list[Detection],
        tracks: list[Track],
        missed: int,
        unconfirmed: int,
    ) -> None:
        if self.uncertain is None or not self.params.uncertain.enabled:
            return
        p = self.params.uncertain
        reasons = uncertain_reasons(dets, tracks, p, self._rejected, missed, unconfirmed)
        if reasons:
            self.uncertain.offer(frame.ts, frame.image, reasons, dets)

    def _trust(self, event: ActivityEvent) -> Trust:
        """What the activity says about itself: verifier, domain, commissioning."""
        verified = None
        if event.activity == "spraying":
            key = (event.activity, event.plot)
            seen = self._instance_ok.get(key, False)
            if event.state == "end":
                self._instance_ok.pop(key, None)
            verified = self.verifier is not None and seen
        return Trust(verified, self._out_of_domain(), self.ctx.commissioned)

    def _out_of_domain(self) -> bool | None:
        if self.profile is None:
            return None
        report = drift(self._domain, self.profile)
        if self._domain.frames >= 30:
            self._ood = report.out_of_domain
        if self._domain.frames >= self.DOMAIN_WINDOW:
            self._domain = DriftStats()
        return self._ood

    def _evidence_and_envelopes(
        self, frame: Frame, events: list[ActivityEvent], *, push: bool = True
    ) -> list[ActivityEnvelope]:
        store = self.evidence if self.params.evidence.enabled else None
        if store is not None and push:
            self._clips.push(frame.ts, frame.image)
            self._keep_peaks(frame)
        out: list[ActivityEnvelope] = []
        for event in events:
            refs = self._evidence_for(store, frame, event) if store is not None else []
            trust = self._trust(event)
            out.append(activity_envelope(self.ctx, self.detector.info, event, refs, trust))
            self.stats.activities += 1
        return out

    def _keep_peaks(self, frame: Frame) -> None:
        for key, m in self._activities.machines.items():
            if m.phase is not Phase.IDLE and m.peak_ts == frame.ts:
                self._peak[key] = frame.image

    def _evidence_for(
        self, store: EvidenceStore, frame: Frame, event: ActivityEvent
    ) -> list[EvidenceRef]:
        key = (event.activity, event.plot)
        quality = self.params.evidence.jpeg_quality
        try:
            if event.state == "start":
                self._clips.begin(key, event.first_ts, store.root)
                return [store.put_bytes(jpeg(frame.image, quality), "image/jpeg", ".jpg")]
            refs: list[EvidenceRef] = []
            peak = self._peak.pop(key, None)
            if peak is not None:
                refs.append(store.put_bytes(jpeg(peak, quality), "image/jpeg", ".jpg"))
            clip: Path | None = self._clips.finish(key)
            if clip is not None:
                refs.append(store.put_file(clip, CLIP_MEDIA, CLIP_SUFFIX))
            return refs
        except (OSError, ValueError) as err:  # a full disk must not stop the activity record
            logger.error("%s: evidence for %s failed: %s", self.ctx.camera, key, err)
            return []
