"""Tunable thresholds of every pipeline stage (pydantic, `extra="forbid"`, all with defaults).

They live apart from the site YAML models so the pure stages (tracker, zones, activities) depend
on plain parameter objects only, and the coordinator can tune them against a trained model.
"""

from typing import Annotated, Literal

from pydantic import Field

from agrisafe.config import StrictModel


class Params(StrictModel):
    """Base of the pipeline's parameters (unknown keys, `.inf` and `.nan` are errors)."""


TileCount = Annotated[int, Field(ge=1, le=6)]
CropShare = Annotated[float, Field(gt=0, le=1)]  # a square crop's side / the frame's height
CropCount = Annotated[int, Field(ge=1, le=8)]  # crops per look


class DetectorParams(Params):
    """Detector thresholds and threads."""

    conf: float = Field(default=0.25, ge=0, le=1, description="minimum class score kept")
    iou: float = Field(default=0.45, ge=0, le=1, description="class-wise NMS IoU threshold")
    max_det: int = Field(default=100, ge=1, description="detections kept per frame after NMS")
    threads: int = Field(default=1, ge=1, le=64, description="onnxruntime intra_op_num_threads")
    class_conf: dict[str, float] = Field(
        default_factory=dict, description="per-class minimum score overriding `conf`"
    )
    tiles: tuple[TileCount, TileCount] | None = Field(
        default=None,
        description="[cols, rows]: also detect on overlapping crops (distant people; costs "
        "1 + cols × rows inferences per frame)",
    )


class MotionParams(Params):
    """Motion gating on a downscaled luma frame."""

    enabled: bool = Field(default=True, description="false: run the detector on every frame")
    height: int = Field(default=100, ge=16, description="luma frame height used for motion")
    threshold: int = Field(default=25, ge=1, le=255, description="per-pixel luma difference")
    min_area: float = Field(default=0.0005, ge=0, le=1, description="changed fraction = motion")
    alpha: float = Field(default=0.05, gt=0, le=1, description="background running-average rate")
    recalibrate_above: float = Field(
        default=0.8, gt=0, le=1, description="changed fraction seen as a light switch: reset"
    )
    stationary_every: int = Field(
        default=25,
        ge=1,
        description="without motion, re-check live tracks every N frames (Frigate: 50)",
    )


class TrackerParams(Params):
    """ByteTrack-style two-stage IoU association and the score-median gate."""

    high_score: float = Field(default=0.5, ge=0, le=1, description="first-stage score")
    match_iou: float = Field(default=0.2, ge=0, le=1, description="minimum IoU to associate")
    part_cover: float | None = Field(
        default=0.8,
        ge=0,
        le=1,
        description="after IoU, a detection and a track of one class whose smaller box lies "
        "this much inside the larger are one object seen in part and whole (null: IoU only)",
    )
    max_age: int = Field(default=10, ge=0, description="frames a track survives unseen")
    min_hits: int = Field(default=2, ge=1, description="detections before a track may count")
    confirm_median: float = Field(
        default=0.5, ge=0, le=1, description="median of the last `window` scores to count"
    )
    window: int = Field(default=10, ge=1, description="scores kept for the median gate")


class ZoneParams(Params):
    """Plot membership."""

    inertia: int = Field(default=2, ge=1, description="consecutive frames inside to be in a plot")


class ActivityRule(Params):
    """One activity: which carriers, which accessories, and its timing."""

    carriers: list[str] = Field(description="classes that perform it (person, tractor, drone)")
    required: dict[str, list[str]] = Field(
        description="per carrier class: accessory classes that must be seen with it"
    )
    min_duration_s: float = Field(default=2.0, ge=0, description="T: conditions held this long")
    gap_s: float = Field(
        default=1.5, ge=0, description="hysteresis: a gap shorter than this does not end it"
    )
    margin: float = Field(
        default=1.0,
        ge=0,
        description="accessory must touch the carrier box grown by this × its larger side",
    )
    max_speed: float | None = Field(
        default=None,
        ge=0,
        description="if set, the carrier must move slower than this many of its own heights per "
        "second (harvesting is lingering at the crates, not walking past them)",
    )
    accessory_score: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="accessories (plume, sprayer…) count when detected now at this score; only "
        "carriers pass the score-median gate (a plume flickers, a person does not)",
    )


def feeding_rule() -> ActivityRule:
    """Feeding (person + livestock): off by default — a worker walking past grazing animals
    satisfies it, and no clip with feeding ground truth exists to tune it; enable per site."""
    return ActivityRule(
        carriers=["person"], required={"person": ["livestock"]}, min_duration_s=10.0, gap_s=3.0
    )


def default_rules() -> dict[str, ActivityRule]:
    """Spraying and harvesting over the classes of the agri-activity models (v1 and v2 alike)."""
    return {
        "spraying": ActivityRule(
            carriers=["person", "tractor", "drone"],
            required={
                "person": ["backpack_sprayer", "spray_plume"],
                "tractor": ["spray_plume"],
                "drone": ["spray_plume"],
            },
            gap_s=3.0,
        ),
        "harvesting": ActivityRule(
            carriers=["person"],
            required={"person": ["harvest_crate"]},
            max_speed=0.3,  # a walk is ≈ 0.7 heights/s (1.2 m/s for a 1.7 m person)
            min_duration_s=3.0,
            gap_s=3.0,
        ),
    }


class EvidenceParams(Params):
    """Snapshots, clips and their disk quota."""

    enabled: bool = Field(default=True, description="write snapshots and clips")
    quota_mb: int = Field(default=2048, ge=1, description="evidence bytes kept on disk")
    pre_roll_s: float = Field(default=3.0, ge=0, description="clip seconds before the start")
    max_clip_s: float = Field(default=30.0, gt=0, description="clip length cap")
    lookback_s: float = Field(
        default=10.0,
        ge=0,
        description="how far before its confirmation a start may be back-dated (ring buffer)",
    )
    clip_width: int = Field(default=640, ge=64, description="clips are downscaled to this width")
    jpeg_quality: int = Field(default=85, ge=10, le=100, description="snapshot JPEG quality")


class UncertainParams(Params):
    """A bounded sample of uncertain frames kept for labelling (docs/edge.md, Uncertain frames)."""

    enabled: bool = Field(default=True, description="keep uncertain frames under DATA_DIR")
    band: tuple[float, float] = Field(
        default=(0.25, 0.5), description="a detection score in [low, high) is ambiguous"
    )
    flip_iou: float = Field(
        default=0.5, ge=0, le=1, description="a detection this much over a track of another class"
    )
    max_frames: int = Field(default=200, ge=1, description="frames kept per camera (a reservoir)")
    max_mb: int = Field(default=100, ge=1, description="bytes kept per camera")
    min_gap_s: float = Field(default=5.0, ge=0, description="at most one frame per this long")


def default_support() -> dict[str, list[str]]:
    """Carrier class → the COCO classes that confirm it (one table; absent carriers: not checked).

    A drone has no COCO class; COCO calls a spray drone in the air `airplane` (0.63 and 0.65 on
    two real photos, models/yolov8n-coco/README.md), so airborne classes stand in for it."""
    return {
        "person": ["person"],
        "tractor": ["truck", "car", "bus"],
        "drone": ["airplane", "bird", "kite"],
    }


class VerifierParams(Params):
    """COCO verifier: once per cue track (cached by track id) and a whole-frame sweep for the
    people our model missed every `sweep_s` (docs/edge.md, Verifier)."""

    enabled: bool | None = Field(
        default=None,
        description="true/false; unset: on when the COCO model file is present (logged)",
    )
    model: str | None = Field(
        default=None,
        description="COCO ONNX model; unset: yolov8n-coco/model.onnx beside the activity "
        "model's folder",
    )
    conf: float = Field(default=0.35, ge=0, le=1, description="COCO score kept")
    threads: int = Field(default=1, ge=1, le=64, description="onnxruntime threads")
    cue_score: float = Field(
        default=0.3, ge=0, le=1, description="plume / sprayer score that makes a frame a candidate"
    )
    margin: float = Field(
        default=1.0,
        ge=0,
        description="cue must touch a carrier box grown by this × its larger side",
    )
    overlap: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="COCO box covering this share of the smaller box supports a carrier",
    )
    relabel_cover: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="share of our box inside a COCO person that relabels it `person`",
    )
    plume_on_person: float = Field(
        default=0.7,
        ge=0,
        le=1,
        description="a plume lying this much inside a COCO person is clothing or a face, not spray",
    )
    relabel: list[str] = Field(
        default_factory=lambda: ["livestock", "drone"],
        description="our classes renamed `person` when COCO sees a person there",
    )
    support: dict[str, list[str]] = Field(
        default_factory=default_support,
        description="carrier class → COCO classes that confirm it",
    )
    unconfirmed: Literal["hide", "flag"] = Field(
        default="hide",
        description="a cue the verifier did not confirm: hide it from the activity machines, "
        "or keep it and send the activity with verified: false (the cloud asks for review)",
    )
    first_recheck_s: float = Field(
        default=0.5,
        gt=0,
        description="a cue track the verifier did not confirm is looked at again after this "
        "long, then after twice as long each time …",
    )
    recheck_s: float = Field(default=2.0, gt=0, description="… up to this long between looks")
    sweep_s: float = Field(
        default=1.0,
        ge=0,
        description="seconds between whole-frame looks for people our model missed (COCO "
        "people become `person` detections); 0: off",
    )
    sweep_tiles: tuple[TileCount, TileCount] | None = Field(
        default=None,
        description="[cols, rows]: the sweep also looks at overlapping crops, for people too "
        "small at the COCO model's input (1 + cols × rows inferences per sweep)",
    )
    sweep_input: int | None = Field(
        default=None,
        ge=160,
        le=1280,
        multiple_of=32,
        description="the sweep's look at this square input (e.g. 640: people twice as large as "
        "at 320, for about 3.5 × one look's CPU); the shipped COCO model takes any size",
    )
    sweep_motion_crop: CropShare | None = Field(
        default=None,
        description="the sweep also looks at square crops this share of the frame's height "
        "around where the frame moved (far workers walking; 0.33: a 60 px worker at 1080p "
        "comes out 53 px, not 18), one inference each; needs motion.enabled",
    )
    sweep_motion_crops: CropCount = Field(default=1, description="at most this many a sweep")
    between_sweeps: bool = Field(
        default=True,
        description="on the frames between sweeps, our box on part of a worker keeps the "
        "sweep's whole box of him (edge.carry) and a person only COCO saw is found again by "
        "his template (edge.hold); false: a sweep's people count on its own frame only",
    )
    relabel_crop: CropShare | None = Field(
        default=0.33,
        description="a look at a new box of a `relabel` class also looks at a square crop this "
        "share of the frame's height around it, where a bent-over or distant worker our model "
        "called livestock or drone is large enough for COCO to see; null: the whole frame only",
    )
    relabel_crops: CropCount = Field(default=2, description="at most this many a look")
    share_trunk: bool = Field(
        default=True,
        description="a look at the whole frame runs only COCO's head on the features our model "
        "computed, when the two graphs share a trunk (same numbers, about 0.6 of the CPU)",
    )


class PipelineParams(Params):
    """Everything tunable in one object (the `pipeline:` key of the site YAML)."""

    detector: DetectorParams = Field(default_factory=DetectorParams)
    motion: MotionParams = Field(default_factory=MotionParams)
    tracker: TrackerParams = Field(default_factory=TrackerParams)
    zones: ZoneParams = Field(default_factory=ZoneParams)
    activities: dict[str, ActivityRule] = Field(default_factory=default_rules)
    evidence: EvidenceParams = Field(default_factory=EvidenceParams)
    verifier: VerifierParams = Field(default_factory=VerifierParams)
    uncertain: UncertainParams = Field(default_factory=UncertainParams)
