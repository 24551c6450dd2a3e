"""Tiled detection: the whole frame plus overlapping crops, for people too small at one input.

A worker 60 px tall in a 1080p frame is 18 px at a 320 px input, below what a nano detector
finds reliably; a larger input costs as much everywhere. Tiling runs the same model on the whole
frame and on a grid of overlapping crops (each letterboxed to the model's input, so objects come
out 2–3 × larger), shifts the crops' boxes back and merges duplicates by class-wise NMS. Cost is
(1 + cols × rows) inferences; `bench/models/person_scale.py` measures recall per CPU-millisecond
against larger inputs. Grid and merge are pure; `TiledDetector` is the adapter around a detector.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from edge.detect.base import Detection, Detector, Image
from edge.detect.yolo import nms
from edge.geometry import Box


def tile_grid(width: int, height: int, cols: int, rows: int, overlap: float) -> list[Box]:
    """COLS × ROWS crops covering the frame, neighbours sharing OVERLAP of a crop's size."""
    if cols < 1 or rows < 1 or not 0 <= overlap < 1:
        raise ValueError(f"bad tile grid {cols}×{rows}, overlap {overlap}")
    tw = width / (cols - (cols - 1) * overlap)
    th = height / (rows - (rows - 1) * overlap)
    out: list[Box] = []
    for r in range(rows):
        for c in range(cols):
            x1, y1 = c * tw * (1 - overlap), r * th * (1 - overlap)
            out.append((x1, y1, min(float(width), x1 + tw), min(float(height), y1 + th)))
    return out


def merge(
    parts: Sequence[tuple[tuple[float, float], Sequence[Detection]]], iou: float, max_det: int
) -> list[Detection]:
    """Detections of every part, shifted by the part's (x, y) offset, duplicates suppressed.

    A box cut by a crop's edge loses to the whole-frame box of the same object when their IoU
    passes IOU; best score first, at most MAX_DET.
    """
    dets = [
        Detection(d.label, d.score, (d.box[0] + ox, d.box[1] + oy, d.box[2] + ox, d.box[3] + oy))
        for (ox, oy), part in parts
        for d in part
    ]
    if not dets:
        return []
    labels = sorted({d.label for d in dets})
    boxes = np.array([d.box for d in dets], dtype=np.float32)
    scores = np.array([d.score for d in dets], dtype=np.float32)
    classes = np.array([labels.index(d.label) for d in dets], dtype=np.int64)
    kept = sorted(nms(boxes, scores, classes, iou), key=lambda i: -dets[i].score)
    return [dets[i] for i in kept][:max_det]


@dataclass
class TiledDetector:
    """A detector run on the whole frame and on a grid of crops (`detector.tiles`)."""

    inner: Detector
    cols: int
    rows: int
    overlap: float = 0.2
    iou: float = 0.45
    max_det: int = 100

    def __post_init__(self) -> None:
        self.info = self.inner.info

    def set_thresholds(self, conf: float | None, class_conf: dict[str, float]) -> None:
        """Pass a set_thresholds command on to the model when it takes one."""
        inner = getattr(self.inner, "set_thresholds", None)
        if inner is None:
            raise ValueError(f"{self.info.name}: thresholds cannot change at run time")
        inner(conf, class_conf)

    def detect(self, frame: Image) -> list[Detection]:
        """Whole-frame detections merged with those of every crop, in frame pixels."""
        h, w = frame.shape[:2]
        parts: list[tuple[tuple[float, float], Sequence[Detection]]] = [
            ((0.0, 0.0), self.inner.detect(frame))
        ]
        for x1, y1, x2, y2 in tile_grid(w, h, self.cols, self.rows, self.overlap):
            crop = np.ascontiguousarray(frame[int(y1) : int(y2), int(x1) : int(x2)])
            parts.append(((float(int(x1)), float(int(y1))), self.inner.detect(crop)))
        return merge(parts, self.iou, self.max_det)
