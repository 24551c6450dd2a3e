"""The `Detector` port: a BGR frame in, boxes in frame pixels out."""

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from edge.errors import ModelError
from edge.params import DetectorParams

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Detection:
    """One object: class name, score, box (x1, y1, x2, y2) in frame pixels."""

    label: str
    score: float
    box: tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What the activity messages name as `model`, and what the detector expects."""

    name: str
    version: str
    names: tuple[str, ...]
    imgsz: tuple[int, int]  # (height, width)


class Detector(Protocol):
    """Port: every adapter turns one frame into detections."""

    info: ModelInfo

    def detect(self, frame: Image) -> list[Detection]:
        """Detections in frame pixel coordinates, best first."""
        ...


def load_detector(path: Path, params: DetectorParams) -> Detector:
    """Pick the adapter by file type: `.onnx` → onnxruntime, `.pt` → ultralytics."""
    if not path.is_file():
        raise ModelError(f"{path}: model file not found")
    detector: Detector
    if path.suffix == ".onnx":
        from edge.detect.onnx import OnnxDetector

        detector = OnnxDetector(path, params)
    elif path.suffix == ".pt":
        from edge.detect.ultra import UltralyticsDetector

        detector = UltralyticsDetector(path, params)
    else:
        raise ModelError(f"{path}: unsupported model type {path.suffix!r} (expected .onnx or .pt)")
    if params.tiles is None:
        return detector
    from edge.detect.tiles import TiledDetector

    cols, rows = params.tiles
    return TiledDetector(detector, cols, rows, iou=params.iou, max_det=params.max_det)
