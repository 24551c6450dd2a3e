"""One camera's pipeline: motion → detect → track → plots → activities → evidence → envelopes.

Synchronous and single-threaded per camera: each frame is fully processed before the next, which
is what makes a file's events identical on every machine.
"""

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from agrisafe.protocol import ActivityEnvelope, EvidenceRef
from edge.activity import ActivityEvent, ActivityRecognizer, Phase, raw
from edge.calibration import Calibration
from edge.clips import CLIP_MEDIA, CLIP_SUFFIX, ClipRecorder
from edge.detect.base import Detection, Detector
from edge.detect.verifier import Verifier
from edge.drift import DriftProfile, DriftStats, drift, luma_stats
from edge.envelopes import CameraContext, Trust, activity_envelope
from edge.evidence import EvidenceStore, jpeg
from edge.frames import Frame
from edge.geometry import Point
from edge.looks import Looks, Tracked
from edge.motion import MotionDetector
from edge.params import PipelineParams
from edge.stats import Stats
from edge.tracker import Track, Tracker
from edge.uncertain import UncertainSample, uncertain_reasons
from edge.zones import PlotZones, frame_warnings

logger = logging.getLogger(__name__)


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
        self._tracks: list[Track] = []
        self._domain = DriftStats()  # a longer window than telemetry's, for out_of_domain
        self._ood = False
        self._instance_ok: dict[tuple[str, str], bool] = {}  # open spraying: a cue confirmed
        self._new_plots: dict[str, list[Point]] | None = None  # from a set_zones command
        self._looks = Looks(
            self.verifier, p.verifier, p.tracker.high_score, self._tracker, self._motion, self.stats
        )

    @property
    def last_frame(self) -> Frame | None:
        """The latest frame processed (for a snapshot command), or None before the first."""
        return self._last

    @property
    def tracks(self) -> list[Track]:
        """The latest frame's tracks as the activity machines saw them (verifier applied)."""
        return self._tracks

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
        tracks = self._tracks = self._detect_and_track(frame)
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
        refs = None if wake else self._looks.quiet(frame)
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
            tracked = self._looks.track(frame, dets, refs)
            out = self._looks.verified(frame, tracked)
            self._keep_uncertain(frame, dets, tracked)
            return out
        self.stats.gated += 1
        return self._looks.verified(frame, Tracked(list(self._tracker.hold()), refs))

    def _note_confirmation(self) -> None:
        """Remember, per open spraying, whether any of its frames had a confirmed cue."""
        for key, m in self._activities.machines.items():
            if key[0] == "spraying" and m.phase is not Phase.IDLE:
                self._instance_ok[key] = (
                    self._instance_ok.get(key, False) or self._looks.confirmed_now
                )

    def _keep_uncertain(self, frame: Frame, dets: list[Detection], tracked: Tracked) -> None:
        if self.uncertain is None or not self.params.uncertain.enabled:
            return
        t, rejected = tracked, self._looks.rejected
        reasons = uncertain_reasons(
            dets, t.tracks, self.params.uncertain, rejected, t.added, t.doubted
        )
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
