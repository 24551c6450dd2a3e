"""Per-camera commissioning: what the detector sees at this camera before go-live.

`agrisafe edge commission --camera C` records `seconds` of the camera (or a video file), runs the
motion gate and the detector on every analysed frame, and reports per-class rates, score
histograms, the size of people as the model sees them, the motion load and advice (people too
small: tiles; cues while nobody sprays; `edge.advice`) as JSON; it proposes plot polygons over
a snapshot (green, planted ground: the excess-green index, Otsu-thresholded) for the installer
to confirm. With `--confirm`
it writes the commissioning record the edge reads: activities from a camera without one say
`commissioned: false`, and the cloud raises their spraying alerts as warnings for review.
"""

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
import yaml
from pydantic import BaseModel, ConfigDict, Field

from agrisafe.files import atomic_write
from agrisafe.timeutil import due
from edge.advice import advise, input_scale
from edge.detect.base import Detection, Detector
from edge.detect.tiles import TiledDetector
from edge.detect.verifier import Verifier
from edge.errors import EdgeError
from edge.evidence import jpeg
from edge.frames import Frame
from edge.geometry import Point
from edge.motion import MotionDetector
from edge.params import PipelineParams, VerifierParams
from edge.plot_proposal import draw_plots, propose_plots
from edge.verify import missed_people, sweep_crops, unconfirmed_people

logger = logging.getLogger(__name__)
BINS = 10
LOOK_EVERY_S = 1.0  # the COCO verifier's look while commissioning (whatever the site's sweep_s)
RECORD_DIR = "commissioning"


class ClassReport(BaseModel):
    """What the detector saw of one class."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    per_frame: float = Field(description="detections per analysed frame")
    frames_with: float = Field(description="share of analysed frames with at least one")
    score_hist: list[int] = Field(description=f"{BINS} bins over [0, 1]")


class CommissionReport(BaseModel):
    """The commissioning report (printed as JSON, kept in the record)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    camera: str
    source: str
    model: str = Field(description="name and version of the detector")
    seconds: float = Field(description="span of the recording, by frame time")
    frames: int = Field(description="frames analysed")
    width: int
    height: int
    classes: dict[str, ClassReport]
    motion_mean: float = Field(description="mean changed fraction of the frame")
    motion_share: float = Field(description="share of frames the motion gate passes")
    proposed_plots: dict[str, list[tuple[float, float]]] = Field(
        description="plot polygons proposed over the snapshot (pixels)"
    )
    person_px_at_input: float | None = Field(
        default=None, description="median `person` height in pixels as the model sees it"
    )
    coco_people: int | None = Field(
        default=None, description="people the COCO verifier saw, once a second (None: no verifier)"
    )
    people_missed: int | None = Field(
        default=None, description="of those, people no `person` box of our model covered"
    )
    our_people: int | None = Field(
        default=None,
        description="our sure `person` boxes (≥ tracker.high_score) on the frames COCO looked at",
    )
    people_unconfirmed: int | None = Field(
        default=None, description="of those, boxes no COCO person covered (a scarecrow, a post?)"
    )
    advice: list[str] = Field(default_factory=list, description="what to check before go-live")


class CommissionRecord(BaseModel):
    """What the edge reads: this camera was commissioned, when, with which plots."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    camera: str = Field(min_length=1)
    created: datetime
    plots: dict[str, list[tuple[float, float]]] = Field(description="plots in use when confirmed")
    report: CommissionReport


@dataclass
class Survey:
    """Running sums over the analysed frames (pure)."""

    frames: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    present: dict[str, int] = field(default_factory=dict)
    hists: dict[str, list[int]] = field(default_factory=dict)
    motion: float = 0.0
    moving: int = 0
    person_heights: list[float] = field(default_factory=list)  # frame pixels
    coco_people: int = 0  # people the COCO model saw on the frames it looked at
    people_missed: int = 0  # of those, people our model missed (what the edge's sweep adds)
    our_people: int = 0  # our sure `person` boxes on those frames
    people_unconfirmed: int = 0  # of those, boxes COCO saw no person in

    def add(self, dets: Sequence[Detection], motion_ratio: float, moving: bool) -> None:
        """One analysed frame: its detections and the motion gate's result."""
        self.frames += 1
        self.person_heights += [d.box[3] - d.box[1] for d in dets if d.label == "person"]
        self.motion += motion_ratio
        self.moving += moving
        for d in dets:
            self.counts[d.label] = self.counts.get(d.label, 0) + 1
            hist = self.hists.setdefault(d.label, [0] * BINS)
            hist[min(BINS - 1, max(0, int(d.score * BINS)))] += 1
        for label in {d.label for d in dets}:
            self.present[label] = self.present.get(label, 0) + 1

    def add_look(
        self,
        dets: Sequence[Detection],
        refs: Sequence[Detection],
        p: VerifierParams,
        sure: float,
    ) -> None:
        """A frame the COCO model also looked at: its people, those ours missed, and our sure
        (≥ SURE, what starts a track) people it did not see."""
        self.coco_people += sum(1 for r in refs if r.label == "person")
        self.people_missed += len(missed_people(dets, refs, p))
        self.our_people += sum(1 for d in dets if d.label == "person" and d.score >= sure)
        self.people_unconfirmed += len(unconfirmed_people(dets, refs, p, sure))

    def classes(self) -> dict[str, ClassReport]:
        """Per-class rates and histograms."""
        n = max(1, self.frames)
        return {
            k: ClassReport(
                per_frame=round(self.counts[k] / n, 4),
                frames_with=round(self.present.get(k, 0) / n, 4),
                score_hist=list(self.hists[k]),
            )
            for k in sorted(self.counts)
        }


def within(frames: Iterator[Frame], seconds: float) -> Iterator[Frame]:
    """The frames of the first `seconds` (by frame time)."""
    first: datetime | None = None
    for frame in frames:
        first = first or frame.ts
        if (frame.ts - first).total_seconds() > seconds:
            return
        yield frame


def record_path(data_dir: Path, camera: str) -> Path:
    """Where the edge looks for a camera's commissioning record."""
    return data_dir / RECORD_DIR / f"{camera}.json"


def load_record(data_dir: Path, camera: str) -> CommissionRecord | None:
    """The camera's record; None when there is none or it is unreadable (logged: a camera
    whose record cannot be read is treated as not commissioned, which only softens alerts)."""
    path = record_path(data_dir, camera)
    if not path.is_file():
        return None
    try:
        record = CommissionRecord.model_validate_json(path.read_bytes())
    except (OSError, ValueError) as err:
        logger.error("%s: not a commissioning record (camera %s uncommissioned): %s", path,
                     camera, err)  # fmt: skip
        return None
    if record.camera != camera:
        logger.error("%s: record is for camera %s, not %s", path, record.camera, camera)
        return None
    return record


def write_outputs(
    out_dir: Path, report: CommissionReport, snapshot: npt.NDArray[np.uint8]
) -> dict[str, Path]:
    """snapshot.jpg, proposal.jpg (polygons drawn), plots.proposed.yaml, report.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    plots = [{"id": k, "polygon": [list(p) for p in v]} for k, v in report.proposed_plots.items()]
    files = {
        "snapshot": out_dir / "snapshot.jpg",
        "proposal_image": out_dir / "proposal.jpg",
        "proposal": out_dir / "plots.proposed.yaml",
        "report": out_dir / "report.json",
    }
    atomic_write(files["snapshot"], jpeg(snapshot, 90))
    atomic_write(files["proposal_image"], jpeg(draw_plots(snapshot, report.proposed_plots), 90))
    text = "# proposed plots: check proposal.jpg, rename to registry ids, paste under the camera\n"
    atomic_write(files["proposal"], (text + yaml.safe_dump({"plots": plots})).encode())
    atomic_write(files["report"], report.model_dump_json(indent=2).encode())
    return files


def write_record(
    data_dir: Path, report: CommissionReport, plots: Mapping[str, Sequence[Point]]
) -> Path:
    """The record the edge reads (`commissioned: true` on this camera's activities)."""
    record = CommissionRecord(
        camera=report.camera,
        created=datetime.now(UTC),
        plots={k: list(v) for k, v in plots.items()},
        report=report,
    )
    path = record_path(data_dir, report.camera)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, record.model_dump_json(indent=2).encode())
    return path


def survey(
    frames: Iterator[Frame],
    detector: Detector,
    params: PipelineParams,
    *,
    camera: str,
    source: str,
    seconds: float,
    verifier: Verifier | None = None,
) -> tuple[CommissionReport, npt.NDArray[np.uint8]]:
    """Run the motion gate and the detector on every analysed frame of the first `seconds`;
    with a VERIFIER, the COCO model also looks once a second (how many people ours misses, and
    how many of our people sure enough to start a track it does not see)."""
    gate = MotionDetector(params.motion)
    sums = Survey()
    vp, sure = params.verifier, params.tracker.high_score
    snapshot: npt.NDArray[np.uint8] | None = None
    first = last = looked = None
    for frame in within(frames, seconds):
        if snapshot is None:
            snapshot, first = frame.image, frame.ts
        last = frame.ts
        moved = gate.update(frame.image)
        dets = detector.detect(frame.image)
        sums.add(dets, moved.ratio, moved.moving)
        if verifier is not None and due(looked, last, LOOK_EVERY_S):
            looked = last
            fh, fw = frame.image.shape[:2]
            crops = sweep_crops(gate.regions(), fw, fh, vp)
            refs = verifier.reference(frame.image, tiled=True, crops=crops)  # a sweep's look
            sums.add_look(dets, refs, vp, sure)
    if snapshot is None or first is None or last is None:
        raise EdgeError(f"{source}: no frames to commission from")
    h, w = snapshot.shape[:2]
    n = max(1, sums.frames)
    classes = sums.classes()
    person_px = (
        round(float(np.median(sums.person_heights)) * input_scale(detector, w, h), 1)
        if sums.person_heights
        else None
    )
    people = (sums.coco_people, sums.people_missed) if verifier is not None else None
    ours = (sums.our_people, sums.people_unconfirmed) if verifier is not None else None
    report = CommissionReport(
        camera=camera,
        source=source,
        model=f"{detector.info.name} {detector.info.version}",
        seconds=round((last - first).total_seconds(), 3),
        frames=sums.frames,
        width=w,
        height=h,
        classes=classes,
        motion_mean=round(sums.motion / n, 5),
        motion_share=round(sums.moving / n, 4),
        proposed_plots=propose_plots(snapshot),
        person_px_at_input=person_px,
        coco_people=people[0] if people else None,
        people_missed=people[1] if people else None,
        our_people=ours[0] if ours else None,
        people_unconfirmed=ours[1] if ours else None,
        advice=advise(
            {k: c.frames_with for k, c in classes.items()},
            person_px,
            isinstance(detector, TiledDetector),
            people,
            sweep_tiled=vp.sweep_tiles is not None,
            ours=ours,
            motion_cropped=vp.sweep_motion_crop is not None,
        ),
    )
    return report, snapshot
