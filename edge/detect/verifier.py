"""The `Verifier` port and its onnxruntime adapter (a COCO-pretrained YOLOv8 export)."""

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from edge.detect.base import Detection, Detector, Image
from edge.detect.tiles import Crop, TiledDetector, detect_with_crops
from edge.params import DetectorParams, VerifierParams

logger = logging.getLogger(__name__)
COCO_FOLDER = "yolov8n-coco"
Crops = Sequence[Crop]


class Verifier(Protocol):
    """Port: a second opinion on one frame, as detections with that model's class names."""

    def reference(self, frame: Image, tiled: bool = False, crops: Crops = ()) -> list[Detection]:
        """Detections of the reference model in frame pixels; TILED: a sweep's look, at
        `sweep_input` and on the crops of `sweep_tiles` when set; CROPS: also on these
        (frame pixels: around motion, `sweep_motion_crop`, or around a box our model may have
        misnamed, `relabel_crop`)."""
        ...


class OnnxVerifier:
    """The COCO model through the edge's own ONNX detector; keeps only the classes it is asked."""

    def __init__(self, path: Path, params: VerifierParams, partner: Detector | None = None) -> None:
        from edge.detect.head import share_trunk
        from edge.detect.onnx import OnnxDetector

        onnx = OnnxDetector(path, DetectorParams(conf=params.conf, threads=params.threads))
        # A look at the whole frame at our model's input runs only COCO's head on the trunk
        # PARTNER (our detector) shares with it, when it does (`edge.detect.head`).
        self.shared = (
            share_trunk(partner, onnx)
            if params.share_trunk and isinstance(partner, OnnxDetector)
            else None
        )
        self._det: Detector = self.shared or onnx
        # A sweep looks for people; a cue's look needs only the carrier beside the cue, which
        # the whole frame shows as well as a larger input or the crops do, at a fraction of
        # the cost. The larger input shares the model's session (a dynamic export).
        size = params.sweep_input
        sweeper = (
            self._det if size is None or (size, size) == onnx.info.imgsz else onnx.at_input(size)
        )
        self._sweeper = (
            TiledDetector(sweeper, *params.sweep_tiles) if params.sweep_tiles else sweeper
        )
        self._wanted = {"person"} | {c for row in params.support.values() for c in row}
        self.path = path

    def reference(self, frame: Image, tiled: bool = False, crops: Crops = ()) -> list[Detection]:
        """COCO detections of the classes the verifier uses (person, vehicles …)."""
        det = self._sweeper if tiled else self._det
        found = det.detect(frame)
        if crops:  # at the model's own input: a crop is already close
            found = detect_with_crops(self._det, frame, crops, found)
        return [d for d in found if d.label in self._wanted]


def verifier_path(params: VerifierParams, activity_model: Path) -> Path:
    """The configured COCO model, else `yolov8n-coco/model.onnx` beside the model's folder."""
    if params.model:
        return Path(params.model)
    return activity_model.resolve().parent.parent / COCO_FOLDER / "model.onnx"


def load_verifier(
    params: VerifierParams, activity_model: Path, detector: Detector | None = None
) -> Verifier | None:
    """The verifier, or None (off, or unset and no model file); the choice is logged.
    DETECTOR: the activity detector, whose trunk the verifier's looks share when they can."""
    path = verifier_path(params, activity_model)
    if params.enabled is False:
        logger.info("verifier off (pipeline.verifier.enabled: false)")
        return None
    if not path.is_file():
        if params.enabled:
            from edge.errors import ModelError

            raise ModelError(f"{path}: verifier model not found (pipeline.verifier.enabled: true)")
        logger.info("verifier off: no COCO model at %s", path)
        return None
    sweep = f"sweeps every {params.sweep_s:g} s for missed people" if params.sweep_s else "no sweep"
    logger.info("verifier on: %s (looks once per spraying-cue track; %s)", path, sweep)
    return OnnxVerifier(path, params, detector)
