"""Static INT8 quantisation (QDQ, onnxruntime) calibrated on rendered frames.

Modes: `full` quantises every node; `float-decode` keeps the detection head's last convolutions
and the box/class decode (DFL, sigmoid, concat) in float, which is where full INT8 tends to lose
box precision; `float-head` keeps the whole detection head in float.
"""

import logging
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from agrisafe_models.export import read_metadata, write_metadata
from agrisafe_models.preprocess import letterbox
from agrisafe_models.render.compose import render_still

logger = logging.getLogger(__name__)

CALIBRATION_SEED = 4_000_000  # disjoint from train/val/test (0, 1e6, 2e6) and clips (3e6)
MODES = ("full", "float-decode", "float-head")


def calibration_batches(
    n: int, imgsz: int, seed: int = CALIBRATION_SEED, width: int = 384, height: int = 216
) -> list[np.ndarray]:
    """N rendered frames, preprocessed like the model's input."""
    return [letterbox(render_still(seed + i, width, height)[0], imgsz) for i in range(n)]


def head_prefix(node_names: list[str]) -> str:
    """The name prefix of the last module (the Detect head), e.g. '/model.22/'."""
    indexes = [int(m.group(1)) for n in node_names if (m := re.match(r"/model\.(\d+)/", n))]
    if not indexes:
        raise ValueError("no '/model.N/' node names: not an ultralytics export?")
    return f"/model.{max(indexes)}/"


def excluded_nodes(nodes: list[tuple[str, str]], mode: str) -> list[str]:
    """Names of the nodes to keep in float for MODE; NODES are (name, op_type) pairs."""
    if mode == "full":
        return []
    prefix = head_prefix([n for n, _ in nodes])
    head = [(n, op) for n, op in nodes if n.startswith(prefix)]
    if mode == "float-head":
        return [n for n, _ in head]
    if mode != "float-decode":
        raise ValueError(f"quantisation mode must be one of {', '.join(MODES)}, not {mode!r}")
    last_convs = [
        n for n, op in head if op == "Conv" and re.search(r"/cv[23]\.\d+/cv[23]\.\d+\.2/", n)
    ]
    decode = [n for n, _ in head if not re.search(r"/cv[23]\.\d+/", n)]  # DFL conv too
    return last_convs + decode


class _Reader:
    """Feeds calibration tensors to onnxruntime's calibrator (its CalibrationDataReader API)."""

    def __init__(self, input_name: str, batches: list[np.ndarray]) -> None:
        self._items = iter([{input_name: b} for b in batches])

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._items, None)

    def rewind(self) -> None:  # not needed for a single calibration pass
        return None


def quantize_int8(
    model: Path, out: Path, *, imgsz: int = 320, calibration: int = 200, mode: str = "float-decode"
) -> Path:
    """Write a static QDQ INT8 copy of MODEL to OUT; metadata is copied, plus `quantization`."""
    import onnx
    import onnxruntime.quantization as q

    graph = onnx.load(str(model)).graph
    nodes = [(n.name, n.op_type) for n in graph.node]
    exclude = excluded_nodes(nodes, mode)
    input_name = graph.input[0].name
    batches = calibration_batches(calibration, imgsz)
    with tempfile.TemporaryDirectory() as tmp:
        prepped = Path(tmp) / "prep.onnx"
        q.quant_pre_process(str(model), str(prepped), skip_symbolic_shape=True)
        reader: Any = _Reader(input_name, batches)
        q.quantize_static(
            str(prepped),
            str(out),
            reader,
            quant_format=q.QuantFormat.QDQ,
            per_channel=True,
            activation_type=q.QuantType.QUInt8,
            weight_type=q.QuantType.QInt8,
            calibrate_method=q.CalibrationMethod.MinMax,
            nodes_to_exclude=exclude,
        )
    meta = read_metadata(model)
    meta["quantization"] = f"int8-qdq-{mode}-minmax-{calibration}"
    write_metadata(out, meta)
    logger.info("INT8 (%s, %d nodes kept float) → %s", mode, len(exclude), out)
    return out
