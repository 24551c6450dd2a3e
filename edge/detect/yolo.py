"""Pure maths of YOLOv8/YOLO11 detection heads: letterbox, decode `[1, 4+nc, N]`, class-wise NMS.

The output has no objectness: rows 0..3 are (cx, cy, w, h) in input pixels, rows 4.. one score
per class. End-to-end heads (YOLO26, `[1, 300, 6]`, NMS already applied) are a different family
and are refused by `check_output_shape`, never decoded as if they were v8.
"""

import ast
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from edge.errors import ModelError

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Letterbox:
    """How a frame was fitted into the model input: scale, then padding (left, top)."""

    scale: float
    pad_x: float
    pad_y: float


def letterbox(frame: npt.NDArray[np.uint8], size: tuple[int, int]) -> tuple[Floats, Letterbox]:
    """Resize keeping the aspect ratio, pad with grey 114, BGR→RGB, /255, NCHW float32."""
    h, w = frame.shape[:2]
    th, tw = size
    scale = min(th / h, tw / w)
    nh, nw = round(h * scale), round(w * scale)
    pad_x, pad_y = (tw - nw) / 2, (th - nh) / 2
    resized = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_LINEAR) if scale != 1 else frame
    top, left = round(pad_y - 0.1), round(pad_x - 0.1)
    canvas = np.full((th, tw, 3), 114, dtype=np.uint8)
    canvas[top : top + nh, left : left + nw] = resized
    blob = canvas[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32) / np.float32(255.0)
    return np.ascontiguousarray(blob), Letterbox(scale, float(left), float(top))


def check_output_shape(shape: Sequence[int | str | None], n_classes: int) -> None:
    """Refuse anything but `[1, 4+nc, N]` with the metadata's class count (a dynamic export
    names its batch and N, e.g. `['batch', 84, 'anchors']`: one image is sent at a time)."""
    dims = list(shape)
    if len(dims) == 3 and dims[2] == 6 and isinstance(dims[1], int) and dims[1] <= 1000:
        raise ModelError(
            f"model output {dims} looks like an end-to-end (YOLO26 / NMS-included) head; "
            "export a YOLOv8/YOLO11 model with nms=False (output [1, 4+nc, N])"
        )
    if (
        len(dims) != 3
        or not (dims[0] in (1, None) or isinstance(dims[0], str))  # str: a dynamic batch axis
        or not isinstance(dims[1], int)
    ):
        raise ModelError(f"model output {dims} is not a YOLOv8/YOLO11 head [1, 4+nc, N]")
    if dims[1] != 4 + n_classes:
        raise ModelError(
            f"model output {dims}: expected {4 + n_classes} rows (4 box + {n_classes} classes "
            "named in the metadata) for a YOLOv8/YOLO11 head [1, 4+nc, N]"
        )


def parse_names(raw: str) -> tuple[str, ...]:
    """Ultralytics metadata `names` ("{0: 'person', …}" or a list) → names in index order."""
    try:
        value = ast.literal_eval(raw)  # also reads JSON lists of strings
    except (ValueError, SyntaxError, MemoryError, RecursionError) as err:
        raise ModelError(f"model metadata 'names' is not a dict or list: {raw[:80]!r}") from err
    if isinstance(value, dict) and all(isinstance(k, int) for k in value):
        return tuple(str(value[k]) for k in sorted(value))
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    raise ModelError(f"model metadata 'names' is not a dict or list: {raw[:80]!r}")


def parse_imgsz(raw: str) -> tuple[int, int]:
    """Ultralytics metadata `imgsz` ("[640, 640]" or "640") → (height, width)."""
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError, MemoryError, RecursionError) as err:
        raise ModelError(f"model metadata 'imgsz' is unreadable: {raw!r}") from err
    if isinstance(value, int):
        return value, value
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int) for v in value)
    ):
        return int(value[0]), int(value[1])
    raise ModelError(f"model metadata 'imgsz' is unreadable: {raw!r}")


def decode(
    output: Floats, box: Letterbox, frame_hw: tuple[int, int], class_min: Floats
) -> tuple[Floats, Floats, npt.NDArray[np.int64]]:
    """Rows of `[1, 4+nc, N]` above their class's threshold → xyxy boxes in frame pixels."""
    pred = output[0].T  # N × (4 + nc)
    scores_all = pred[:, 4:]
    cls = scores_all.argmax(axis=1)
    scores = scores_all[np.arange(len(cls)), cls]
    keep = scores >= class_min[cls]
    pred, scores, cls = pred[keep], scores[keep], cls[keep]
    cx, cy, w, h = pred[:, 0], pred[:, 1], pred[:, 2], pred[:, 3]
    xyxy = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    xyxy[:, [0, 2]] = (xyxy[:, [0, 2]] - box.pad_x) / box.scale
    xyxy[:, [1, 3]] = (xyxy[:, [1, 3]] - box.pad_y) / box.scale
    fh, fw = frame_hw
    xyxy[:, [0, 2]] = np.clip(xyxy[:, [0, 2]], 0, fw)  # fancy indexing copies: assign back
    xyxy[:, [1, 3]] = np.clip(xyxy[:, [1, 3]], 0, fh)
    return xyxy.astype(np.float32), scores.astype(np.float32), cls.astype(np.int64)


def nms(boxes: Floats, scores: Floats, classes: npt.NDArray[np.int64], iou: float) -> list[int]:
    """Class-wise non-maximum suppression: indices kept, best score first.

    OpenCV's batched NMS (boxes as x, y, w, h); a negative score threshold keeps every
    candidate, since `decode` has already applied the per-class thresholds.
    """
    if len(boxes) == 0:
        return []
    xywh = np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], axis=1)
    # Python floats select OpenCV's Rect2d overload (no rounding of sub-pixel boxes).
    kept = cv2.dnn.NMSBoxesBatched(
        xywh.astype(np.float64).tolist(), scores.tolist(), classes.tolist(), -1.0, iou
    )
    return [int(i) for i in kept]
