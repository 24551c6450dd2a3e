"""onnxruntime adapter of the `Detector` port for YOLOv8/YOLO11 exports (`nms=False`)."""

import copy
import hashlib
import logging
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from edge.detect.base import Detection, Image, ModelInfo
from edge.detect.yolo import (
    Letterbox,
    check_output_shape,
    decode,
    letterbox,
    nms,
    parse_imgsz,
    parse_names,
)
from edge.errors import ModelError
from edge.params import DetectorParams

logger = logging.getLogger(__name__)
FAMILIES = ("yolov8", "yolo11", "yolov11")  # heads [1, 4+nc, N] without objectness


def model_identity(path: Path, meta: dict[str, str]) -> tuple[str, str]:
    """Name and version for activity messages: metadata if given, else folder and file hash."""
    name = meta.get("model_name") or (path.parent.name if path.stem == "model" else path.stem)
    version = meta.get("model_version")
    if not version:
        version = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return name or "model", version


@dataclass(frozen=True, slots=True)
class Features:
    """Tensors a detect() computed on FRAME (the very array), for a model sharing the trunk."""

    frame: Image
    box: Letterbox
    tensors: dict[str, Any]


class OnnxDetector:
    """Letterbox → `session.run` → decode → class-wise NMS, on one onnxruntime session."""

    def __init__(self, path: Path, params: DetectorParams) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        # Explicit threads: the default takes every core, which starves decoding and the
        # other cameras on a 2-core box.
        opts.intra_op_num_threads = params.threads
        opts.inter_op_num_threads = 1
        self._opts = opts
        self.path = path
        # the last frame's features when `expose` named some, per thread: each camera's
        # pipeline runs in its own thread over one shared detector and verifier
        self._kept = threading.local()
        self._exposed: tuple[str, ...] = ()
        self._plain: Any = None  # the session as loaded, while `expose` runs another
        try:
            self._session: Any = ort.InferenceSession(
                str(path), sess_options=opts, providers=["CPUExecutionProvider"]
            )
        except Exception as err:  # onnxruntime raises its own untyped errors
            raise ModelError(f"{path}: not a loadable ONNX model: {err}") from err
        meta: dict[str, str] = dict(self._session.get_modelmeta().custom_metadata_map)
        family = meta.get("family", "yolov8").lower()
        if family not in FAMILIES:
            raise ModelError(
                f"{path}: model family {family!r}; this decoder reads {', '.join(FAMILIES)}"
            )
        if "names_json" in meta:
            names = parse_names(meta["names_json"])
        elif "names" in meta:
            names = parse_names(meta["names"])
        else:
            raise ModelError(f"{path}: no 'names' in the ONNX metadata (export with ultralytics)")
        inp = self._session.get_inputs()[0]
        imgsz = parse_imgsz(meta["imgsz"]) if "imgsz" in meta else _input_hw(inp.shape, path)
        outputs = self._session.get_outputs()
        if len(outputs) != 1:
            raise ModelError(f"{path}: {len(outputs)} outputs; a YOLOv8/YOLO11 detector has one")
        try:
            check_output_shape(outputs[0].shape, len(names))
        except ModelError as err:
            raise ModelError(f"{path}: {err}") from err
        self._input = inp.name
        # a dynamic export (`dynamic=True`) runs at any multiple of the stride: `at_input`
        self.dynamic = not all(isinstance(d, int) for d in inp.shape[2:])
        self._params = params
        self._class_min = np.array(
            [params.class_conf.get(n, params.conf) for n in names], dtype=np.float32
        )
        name, version = model_identity(path, meta)
        self.info = ModelInfo(name=name, version=version, names=names, imgsz=imgsz)
        self.last_ms = 0.0
        self._warm_up()

    def set_thresholds(self, conf: float | None, class_conf: dict[str, float]) -> None:
        """New minimum scores (a set_thresholds command); unnamed classes keep theirs."""
        old = self._params
        merged = DetectorParams(
            **(old.model_dump() | {"conf": old.conf if conf is None else conf})
            | {"class_conf": old.class_conf | class_conf}
        )
        unknown = set(class_conf) - set(self.info.names)
        if unknown:
            raise ValueError(f"no such class in {self.info.name}: {', '.join(sorted(unknown))}")
        self._params = merged
        self._class_min = np.array(
            [merged.class_conf.get(n, merged.conf) for n in self.info.names], dtype=np.float32
        )

    def at_input(self, size: int) -> "OnnxDetector":
        """The same model and session at a SIZE × SIZE input (a multiple of 32), for a model
        exported with a dynamic input; a fixed-input model only at its own size."""
        if (size, size) == self.info.imgsz:
            return self
        if not self.dynamic or size % 32:
            raise ModelError(
                f"{self.info.name}: input {size} needs a model exported with dynamic=True and a "
                f"multiple of 32 (this one is fixed at {self.info.imgsz[0]})"
            )
        other = copy.copy(self)
        other.info = replace(self.info, imgsz=(size, size))
        other._warm_up()
        return other

    def expose(self, model: bytes, names: tuple[str, ...]) -> None:
        """Run MODEL (this one with the tensors NAMES as extra outputs) from now on, keeping
        what it computed on the last frame in `features` (`edge.detect.head`)."""
        import onnxruntime as ort

        session = ort.InferenceSession(model, self._opts, providers=["CPUExecutionProvider"])
        self._plain = self._plain or self._session
        self._session, self._exposed = session, names
        self._warm_up()

    def unexpose(self) -> None:
        """Back to the model as loaded: no extra outputs, no features kept."""
        self._session, self._plain = self._plain or self._session, None
        self._exposed, self.features = (), None

    @property
    def features(self) -> Features | None:
        """What the last detect() in this thread kept (None: none, or nothing exposed)."""
        kept: Features | None = getattr(self._kept, "features", None)
        return kept

    @features.setter
    def features(self, value: Features | None) -> None:
        self._kept.features = value

    @property
    def session_options(self) -> Any:
        """The onnxruntime options this model runs with (threads), for a session beside it."""
        return self._opts

    def _warm_up(self) -> None:
        h, w = self.info.imgsz
        self._session.run(None, {self._input: np.zeros((1, 3, h, w), dtype=np.float32)})

    def infer(self, blob: Any) -> Any:
        """Raw model output for a prepared input blob (the benchmark's minimal loop uses it)."""
        return self._session.run(None, {self._input: blob})[0]

    def detect(self, frame: Image) -> list[Detection]:
        """Detections in frame pixels, best first."""
        blob, box = letterbox(frame, self.info.imgsz)
        outs = self._session.run(None, {self._input: blob})
        if self._exposed:
            self.features = Features(frame, box, dict(zip(self._exposed, outs[1:], strict=True)))
        return self.decoded(outs[0], box, frame.shape[:2])

    def decoded(self, out: Any, box: Letterbox, shape: tuple[int, int]) -> list[Detection]:
        """Detections in pixels of a frame of SHAPE from this model's raw output OUT."""
        boxes, scores, classes = decode(out, box, shape, self._class_min)
        keep = nms(boxes, scores, classes, self._params.iou)[: self._params.max_det]
        return [
            Detection(
                self.info.names[int(classes[i])],
                float(scores[i]),
                (float(boxes[i, 0]), float(boxes[i, 1]), float(boxes[i, 2]), float(boxes[i, 3])),
            )
            for i in keep
        ]


def _input_hw(shape: list[Any], path: Path) -> tuple[int, int]:
    if len(shape) == 4 and isinstance(shape[2], int) and isinstance(shape[3], int):
        return int(shape[2]), int(shape[3])
    raise ModelError(f"{path}: input shape {shape} has no fixed size and no 'imgsz' metadata")
