"""Tiny ONNX detectors and synthetic videos for edge tests.

No trained model can be downloaded here, so unit tests use real ONNX graphs built with the
`onnx` helper: a YOLOv8-shaped head `[1, 4+nc, N]` whose fixed candidate boxes score the mean
brightness of the input (bright frame → the activity's objects are "seen"). They run through
the real onnxruntime adapter and the whole pipeline; only the network's learning is missing.
"""

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from agrisafe_models import CLASS_NAMES

AGRI_NAMES = CLASS_NAMES  # the shipped model's classes, in its order
# Candidate boxes (cx, cy, w, h in model-input pixels, class index) of a person spraying.
SPRAYER_ROWS = ((32.0, 34.0, 10.0, 20.0, 0), (34.0, 30.0, 6.0, 8.0, 1), (42.0, 28.0, 10.0, 10.0, 2))


def _save(graph: onnx.GraphProto, path: Path, meta: dict[str, str]) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


def yolo_model(
    path: Path,
    rows: Sequence[tuple[float, float, float, float, int]] = SPRAYER_ROWS,
    *,
    names: Sequence[str] = AGRI_NAMES,
    imgsz: int = 64,
    keyed: bool = True,
    score: float = 0.9,
    meta: dict[str, str] | None = None,
) -> Path:
    """A YOLOv8-shaped detector; `keyed`: scores = mean input brightness, else constant."""
    nc, n = len(names), len(rows)
    boxes = np.array([[r[:4] for r in rows]], dtype=np.float32).transpose(0, 2, 1)  # 1×4×N
    mask = np.zeros((1, nc, n), dtype=np.float32)
    for i, r in enumerate(rows):
        mask[0, r[4], i] = 1.0 if keyed else score
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean4"], axes=[1, 2, 3], keepdims=1),
        helper.make_node("Reshape", ["mean4", "shape3"], ["mean3"]),
        helper.make_node("Mul", ["mask", "mean3"], ["scores"]),
        helper.make_node("Concat", ["boxes", "scores"], ["output0"], axis=1),
    ]
    inits = [
        numpy_helper.from_array(boxes, "boxes"),
        numpy_helper.from_array(mask, "mask"),
        numpy_helper.from_array(np.array([1, 1, 1], dtype=np.int64), "shape3"),
    ]
    if not keyed:  # constant scores: the brightness is multiplied by zero and added
        nodes[2:3] = [
            helper.make_node("Mul", ["mean3", "zero"], ["nothing"]),
            helper.make_node("Add", ["mask", "nothing"], ["scores"]),
        ]
        inits.append(numpy_helper.from_array(np.zeros((1, 1, 1), dtype=np.float32), "zero"))
    graph = helper.make_graph(
        nodes,
        "tiny-yolo",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, imgsz, imgsz])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 4 + nc, n])],
        initializer=inits,
    )
    names_meta = "{" + ", ".join(f"{i}: '{c}'" for i, c in enumerate(names)) + "}"
    return _save(graph, path, {"names": names_meta, "imgsz": f"[{imgsz}, {imgsz}]", **(meta or {})})


def end_to_end_model(path: Path, names: Sequence[str] = AGRI_NAMES, imgsz: int = 64) -> Path:
    """A YOLO26-style head `[1, 300, 6]` (NMS included): the wrong family for the decoder."""
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["m"], axes=[1, 2, 3], keepdims=1),
        helper.make_node("Reshape", ["m", "shape3"], ["m3"]),
        helper.make_node("Mul", ["dets", "m3"], ["output0"]),
    ]
    inits = [
        numpy_helper.from_array(np.zeros((1, 300, 6), dtype=np.float32), "dets"),
        numpy_helper.from_array(np.array([1, 1, 1], dtype=np.int64), "shape3"),
    ]
    graph = helper.make_graph(
        nodes,
        "e2e",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, imgsz, imgsz])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 300, 6])],
        initializer=inits,
    )
    names_meta = "{" + ", ".join(f"{i}: '{c}'" for i, c in enumerate(names)) + "}"
    return _save(graph, path, {"names": names_meta, "imgsz": f"[{imgsz}, {imgsz}]"})


def brightness_video(
    path: Path,
    segments: Sequence[tuple[float, bool]],
    *,
    fps: float = 10.0,
    size: tuple[int, int] = (160, 96),
) -> Path:
    """MP4 of dark / bright segments (seconds, bright?) with a small moving square for motion."""
    w, h = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (w, h))
    i = 0
    for seconds, bright in segments:
        for _ in range(round(seconds * fps)):
            frame = np.full((h, w, 3), 235 if bright else 15, dtype=np.uint8)
            x = (i * 4) % (w - 12)
            frame[10:22, x : x + 12] = 128
            writer.write(frame)
            i += 1
    writer.release()
    return path
