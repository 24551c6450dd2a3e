"""Fine-tune from a base checkpoint on a base's own labelled footage; ship only if no worse.

`finetune` trains from `--base` on `--data` (the `train` extra: ultralytics + torch), exports
the candidate to ONNX, scores base and candidate on the rendered set (mAP), on rendered hard
negatives (false cues among spray look-alikes) and on the real photographs (cue recall, false
cues, person recall, people misnamed), and `ship_gate` — a pure function — refuses a candidate
that got worse on any of them. Only a shipped candidate is copied
to `out/model.onnx` (and an INT8 copy when asked).
"""

import importlib.util
import json
import logging
import math
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# (set, metric, higher is better)
GATED: tuple[tuple[str, str, bool], ...] = (
    ("rendered", "map50", True),
    ("rendered", "map50_95", True),
    ("real", "cue_recall_positives", True),
    ("real", "false_cue_rate_negatives", False),
    ("real", "person_recall_count", True),
    ("real", "person_recall_images", True),
    ("real", "person_recall_boxes", True),  # people matched one to one (evaluate.people)
    ("real", "person_as_livestock_or_drone", False),
    # a `person` on a photo of nobody: v2 passed a gate without these and doubled v1's rate
    ("real", "false_person_rate_empty", False),
    ("real", "false_person_rate_empty_tracked", False),  # sure enough to start a track
    ("hard", "false_cue_rate", False),
    ("hard_v3", "false_cue_rate", False),
    ("hard_v3", "person_recall_count", True),  # people far off, under camera artefacts
)


@dataclass(frozen=True, slots=True)
class GateDecision:
    """Ship or not, and why not."""

    ship: bool
    reasons: tuple[str, ...]
    compared: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)


def _value(scores: Mapping[str, Any], part: str, name: str) -> float | None:
    block = scores.get(part)
    v = block.get(name) if isinstance(block, Mapping) else None
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return None
    return float(v)


def ship_gate(
    base: Mapping[str, Any], candidate: Mapping[str, Any], *, tolerance: float = 0.005
) -> GateDecision:
    """Refuse a candidate worse than the base (beyond `tolerance`) on any gated metric, or
    not measured on a set: both the rendered and the real set must have been scored."""
    reasons: list[str] = []
    compared: dict[str, tuple[float | None, float | None]] = {}
    for part in ("rendered", "real"):
        if not isinstance(candidate.get(part), Mapping):
            reasons.append(f"the {part} set was not evaluated for the candidate")
    for part, name, higher in GATED:
        b, c = _value(base, part, name), _value(candidate, part, name)
        compared[f"{part}.{name}"] = (b, c)
        if b is None:
            continue  # the base has no such number (e.g. no people photos): nothing to keep
        if c is None:
            reasons.append(f"{part}.{name}: measured for the base ({b}), not for the candidate")
            continue
        worse = b - c if higher else c - b
        if worse > tolerance:
            reasons.append(f"{part}.{name} got worse: {b} → {c}")
    return GateDecision(not reasons, tuple(dict.fromkeys(reasons)), compared)


def training_available() -> bool:
    """True when the `train` extra (ultralytics, torch) is installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("ultralytics", "torch"))


@dataclass(frozen=True)
class FinetuneSpec:
    """What `agrisafe models finetune` was asked."""

    base: Path  # .pt checkpoint to start from
    base_onnx: Path  # the same model as shipped (scored as the base)
    data: Path  # the base's labelled footage (data.yaml, agrisafe models import-labels)
    rendered: Path  # rendered set data.yaml (agrisafe models render-dataset)
    real_labels: Path | None
    real_set: Path | None
    out: Path
    epochs: int = 30
    imgsz: int = 320
    device: str = "cpu"
    int8: bool = False
    # Keep what the base knows: freeze its first N layers (YOLOv8: 10 = the backbone, 22 = all
    # but the detection head); `time_h` bounds the run (a CPU box) and overrides `epochs`.
    freeze: int | None = None
    time_h: float | None = None
    lr0: float | None = None  # a polishing stage: SGD at this rate, no warm-up (TrainSpec)
    mosaic: bool = True


def score(model: Path, spec: FinetuneSpec) -> dict[str, Any]:
    """Rendered mAP (val split) and the real-photo summary of one ONNX model."""
    from agrisafe_models.evaluate.detection import evaluate_detection
    from agrisafe_models.evaluate.hard import HARD_V3, evaluate_hard
    from agrisafe_models.evaluate.people import BOXES, read_boxes
    from agrisafe_models.evaluate.real import LABELS, Scorer, evaluate_real, read_labels
    from edge.detect import load_detector
    from edge.params import DetectorParams

    rendered = evaluate_detection(model, spec.rendered, split="val", imgsz=spec.imgsz)
    detector = load_detector(model, DetectorParams())
    # boxes only beside the default labels: another labels CSV names other photos
    boxes = read_boxes(BOXES) if spec.real_labels is None else None
    photos = read_labels(spec.real_labels or LABELS)
    real = evaluate_real(photos, spec.real_set, Scorer(detector), boxes)
    return {
        "rendered": rendered,
        "real": real["summary"],
        "hard": evaluate_hard(detector),
        "hard_v3": evaluate_hard(detector, realism=HARD_V3),
    }


def finetune(spec: FinetuneSpec) -> tuple[GateDecision, Path | None]:
    """Train, export, score both, gate; the shipped model's path (None when refused)."""
    from agrisafe_models.export import export_onnx
    from agrisafe_models.train import TrainSpec, train

    spec.out.mkdir(parents=True, exist_ok=True)
    best = train(
        TrainSpec(
            data=spec.data,
            epochs=spec.epochs,
            imgsz=spec.imgsz,
            device=spec.device,
            project=spec.out / "runs",
            name="finetune",
            model=str(spec.base),
            freeze=spec.freeze,
            time_h=spec.time_h,
            lr0=spec.lr0,
            mosaic=spec.mosaic,
        )
    )
    candidate = export_onnx(best, spec.out / "candidate.onnx", imgsz=spec.imgsz)
    base_scores, cand_scores = score(spec.base_onnx, spec), score(candidate, spec)
    decision = ship_gate(base_scores, cand_scores)
    report = {
        "base": base_scores,
        "candidate": cand_scores,
        "ship": decision.ship,
        "reasons": list(decision.reasons),
    }
    (spec.out / "gate.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    if not decision.ship:
        return decision, None
    shipped = spec.out / "model.onnx"
    shutil.copyfile(candidate, shipped)
    from agrisafe_models.calibrate import write_calibration

    write_calibration(shipped, spec.out)  # the new model's scores mean something else
    if spec.int8:
        from agrisafe_models.quantize import quantize_int8

        quantize_int8(shipped, spec.out / "model.int8.onnx", imgsz=spec.imgsz)
    return decision, shipped
