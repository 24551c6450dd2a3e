"""Ultralytics adapter for `.pt` models (needs the `train` extra; imported only when used).

`ultralytics` is imported through importlib so this module type-checks whether or not the
package is installed (its API is untyped either way).
"""

import importlib
from pathlib import Path
from typing import Any

from edge.detect.base import Detection, Image, ModelInfo
from edge.errors import ModelError
from edge.params import DetectorParams


class UltralyticsDetector:
    """`YOLO(model.pt).predict` per frame, mapped onto the `Detector` port."""

    def __init__(self, path: Path, params: DetectorParams) -> None:
        try:
            module: Any = importlib.import_module("ultralytics")
        except ImportError as err:
            raise ModelError(
                f"{path}: .pt models need ultralytics (pip install 'agrisafe[train]'); "
                "or export the model to ONNX"
            ) from err
        self._model: Any = module.YOLO(str(path))
        if getattr(self._model, "task", "detect") != "detect":
            raise ModelError(f"{path}: a {self._model.task} model, expected a detector")
        names: dict[int, str] = dict(self._model.names)
        self._params = params
        imgsz = int(getattr(self._model, "overrides", {}).get("imgsz", 640) or 640)
        self.info = ModelInfo(
            name=path.parent.name if path.stem in {"model", "best"} else path.stem,
            version="pt",
            names=tuple(names[k] for k in sorted(names)),
            imgsz=(imgsz, imgsz),
        )

    def detect(self, frame: Image) -> list[Detection]:
        """Detections in frame pixels, best first."""
        p = self._params
        result = self._model.predict(
            frame, conf=p.conf, iou=p.iou, max_det=p.max_det, verbose=False
        )
        out: list[Detection] = []
        boxes = result[0].boxes
        for xyxy, score, cls in zip(
            boxes.xyxy.tolist(), boxes.conf.tolist(), boxes.cls.tolist(), strict=True
        ):
            label = self.info.names[int(cls)]
            if score >= p.class_conf.get(label, p.conf):
                x1, y1, x2, y2 = (float(v) for v in xyxy)
                out.append(Detection(label, float(score), (x1, y1, x2, y2)))
        return out
