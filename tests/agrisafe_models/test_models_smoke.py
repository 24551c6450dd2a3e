"""CI smoke test of the whole chain: render → train one epoch → export → INT8 → decode.

Needs the `train` extra (ultralytics), which `./run test` installs.
"""

import ast
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import ultralytics  # noqa: F401  (a hard import: a skip would hide a broken chain)

from agrisafe_models import CLASS_NAMES
from agrisafe_models.export import export_onnx, project_metadata, read_metadata
from agrisafe_models.preprocess import letterbox
from agrisafe_models.quantize import quantize_int8
from agrisafe_models.render.compose import render_still
from agrisafe_models.render.dataset import DatasetSpec, write_dataset
from agrisafe_models.train import TrainSpec, train
from testkit.paths import SHIPPED_MODEL_DIR

IMGSZ = 64
# anchor points of a YOLOv8 head: one per cell at strides 8, 16 and 32
ANCHORS = sum((IMGSZ // s) ** 2 for s in (8, 16, 32))


def _decode(model: Path) -> np.ndarray:
    sess = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    frame = render_still(2_000_123, 128, 72)[0]
    out: np.ndarray = sess.run(None, {sess.get_inputs()[0].name: letterbox(frame, IMGSZ)})[0]
    return out


@pytest.mark.slow
def test_render_train_export_quantise_decode(tmp_path: Path) -> None:
    data = write_dataset(DatasetSpec(tmp_path / "data", 8, 4, 2, seed=11, width=128, height=72))
    best = train(
        TrainSpec(
            data=data,
            epochs=1,
            imgsz=IMGSZ,
            batch=4,
            workers=0,
            project=tmp_path / "runs",
            name="smoke",
        )
    )
    assert best.exists()

    fp32 = export_onnx(best, tmp_path / "model.onnx", imgsz=IMGSZ)
    meta = read_metadata(fp32)
    assert {k: meta[k] for k in project_metadata()} == project_metadata()
    assert ast.literal_eval(meta["names"]) == dict(enumerate(CLASS_NAMES))
    assert ast.literal_eval(meta["imgsz"]) == [IMGSZ, IMGSZ]
    assert meta["task"] == "detect"
    out = _decode(fp32)
    assert out.shape == (1, 4 + len(CLASS_NAMES), ANCHORS)
    assert np.isfinite(out).all()

    int8 = quantize_int8(fp32, tmp_path / "model-int8.onnx", imgsz=IMGSZ, calibration=4)
    meta8 = read_metadata(int8)
    assert meta8["names_json"] == meta["names_json"]
    assert meta8["quantization"].startswith("int8-qdq-float-decode")
    out8 = _decode(int8)
    assert out8.shape == out.shape
    assert np.isfinite(out8).all()


@pytest.mark.slow
def test_finetuning_starts_from_the_base_and_keeps_frozen_layers(tmp_path: Path) -> None:
    """From a checkpoint, training must load its weights (ultralytics silently starts from
    scratch with `pretrained=False`, even given a .pt): frozen layers come out as the base's."""
    import torch

    base = SHIPPED_MODEL_DIR / "best.pt"
    data = write_dataset(DatasetSpec(tmp_path / "data", 8, 4, 2, seed=12, width=128, height=72))
    best = train(
        TrainSpec(
            data=data,
            epochs=1,
            imgsz=IMGSZ,
            batch=4,
            workers=0,
            project=tmp_path / "runs",
            name="ft",
            model=str(base),
            freeze=10,
            lr0=0.001,
            mosaic=False,
        )
    )

    def weights(path: Path) -> dict[str, torch.Tensor]:
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
        return {k: v.float() for k, v in (ckpt.get("ema") or ckpt["model"]).state_dict().items()}

    before, after = weights(base), weights(best)
    frozen = "model.0.conv.weight"  # the first backbone convolution
    assert torch.equal(before[frozen], after[frozen])
    head = [k for k in after if k.startswith("model.22.") and k.endswith("weight")]
    assert head
    assert any(not torch.equal(before[k], after[k]) for k in head)
    # a polishing stage: SGD at the asked rate (not `auto`, which ignores lr0), no warm-up jolt
    args = torch.load(best, map_location="cpu", weights_only=False)["train_args"]
    assert (args["optimizer"], args["lr0"], args["warmup_epochs"]) == ("SGD", 0.001, 0.0)
    assert args["mosaic"] == 0.0
