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

Crop = tuple[int, int, int, int]  # x1, y1, x2, y2 in frame pixels


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


def crops_around(
    regions: Sequence[Box],
    width: int,
    height: int,
    side: float | None,
    most: int,
    fit: float | None = None,
) -> list[Crop]:
    """Up to MOST square crops, SIDE × the frame's height, each centred on one of REGIONS
    (none when SIDE is None: the setting is unset).

    A closer look where a worker may be: where the frame moved (`sweep_motion_crop`), or a box
    our model called livestock or drone (`relabel_crop`). One too far for the whole frame at
    320 px (a 60 px worker at 1080p comes out 18 px) comes out 53 px in a third-of-the-height
    crop. REGIONS come largest first; one whose centre an earlier crop already holds is
    skipped, and so is one the whole frame shows well: over half a crop's side, or with FIT
    over a whole crop's side. With FIT, a crop is at least FIT × its region's larger side, so
    that it holds the whole of what the region is part of (a bent-over worker's back called a
    drone). Crops are kept inside the frame.
    """
    out: list[Crop] = []
    if side is None:
        return out
    for x1, y1, x2, y2 in regions:
        if len(out) >= most:
            break
        cx, cy, big = (x1 + x2) / 2, (y1 + y2) / 2, max(x2 - x1, y2 - y1)
        if big > side * height / (1 if fit else 2) or any(
            a <= cx <= c and b <= cy <= d for a, b, c, d in out
        ):
            continue
        s = int(min(max(side * height, (fit or 0.0) * big), width, height))
        if s < 1:
            continue
        left = int(min(max(cx - s / 2, 0), width - s))
        top = int(min(max(cy - s / 2, 0), height - s))
        out.append((left, top, left + s, top + s))
    return out


def detect_with_crops(
    inner: Detector,
    frame: Image,
    crops: Sequence[Crop],
    whole: Sequence[Detection],
    iou: float = 0.45,
    max_det: int = 100,
) -> list[Detection]:
    """WHOLE (the frame's own detections) merged with INNER's on each of CROPS, in frame
    pixels; a box a crop's inner edge cut is dropped (`cut_by_crop`)."""
    h, w = frame.shape[:2]
    parts: list[tuple[tuple[float, float], Sequence[Detection]]] = [((0.0, 0.0), whole)]
    for c in crops:
        crop = np.ascontiguousarray(frame[c[1] : c[3], c[0] : c[2]])
        kept = [d for d in inner.detect(crop) if not cut_by_crop(d.box, c, w, h)]
        parts.append(((float(c[0]), float(c[1])), kept))
    return merge(parts, iou, max_det)


def cut_by_crop(box: Box, crop: Crop, width: int, height: int, margin: float = 0.02) -> bool:
    """True when BOX (crop pixels) comes within MARGIN (of the crop's side) of a crop edge
    that lies inside the frame.

    Such a box is part of an object the crop cut: the neighbouring crop (they overlap) or the
    whole frame shows it whole. Kept, the part would survive NMS beside the whole (a half body
    and a body overlap by IoU ≈ 0.5) and count one worker twice; the model's box of a cut body
    stops a few pixels short of the cut (3 px of 400 on `zidane.jpg`), hence a margin. An edge
    on the frame's own border cuts nothing the frame shows, so boxes there stay.
    """
    cx1, cy1, cx2, cy2 = crop
    bx1, by1, bx2, by2 = box
    mx, my = max(2.0, margin * (cx2 - cx1)), max(2.0, margin * (cy2 - cy1))
    return (
        (cx1 > 0 and bx1 <= mx)
        or (cy1 > 0 and by1 <= my)
        or (cx2 < width and bx2 >= cx2 - cx1 - mx)
        or (cy2 < height and by2 >= cy2 - cy1 - my)
    )


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
        grid = tile_grid(w, h, self.cols, self.rows, self.overlap)
        crops = [(int(x1), int(y1), int(x2), int(y2)) for x1, y1, x2, y2 in grid]
        whole = self.inner.detect(frame)
        return detect_with_crops(self.inner, frame, crops, whole, self.iou, self.max_det)
