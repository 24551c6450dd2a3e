"""The ultralytics adapter (.pt) agrees with the onnxruntime adapter on the shipped model.

Needs the `train` extra (ultralytics), which the README's test command installs.
"""

import numpy as np

from agrisafe_models.render.compose import render_still
from edge.detect import load_detector
from edge.detect.base import Detection
from edge.params import DetectorParams
from testkit.paths import SHIPPED_MODEL_DIR


def _best(dets: list[Detection], label: str) -> Detection:
    return max((d for d in dets if d.label == label), key=lambda d: d.score)


def test_pt_and_onnx_find_the_same_objects() -> None:
    params = DetectorParams()
    pt = load_detector(SHIPPED_MODEL_DIR / "best.pt", params)
    onnx = load_detector(SHIPPED_MODEL_DIR / "model.onnx", params)
    assert pt.info.names == onnx.info.names
    compared = 0
    for seed in range(2_000_000, 2_000_006):  # held-out test-split seeds
        frame, labels = render_still(seed, 384, 216)
        from_pt, from_onnx = pt.detect(frame), onnx.detect(frame)
        assert {d.label for d in from_pt if d.score > 0.5} == {
            d.label for d in from_onnx if d.score > 0.5
        }, f"seed {seed}"
        for label in {d.label for d in from_onnx if d.score > 0.5}:
            a, b = _best(from_pt, label), _best(from_onnx, label)
            assert np.allclose(a.box, b.box, atol=2.0), (seed, label, a, b)
            assert abs(a.score - b.score) < 0.05, (seed, label)
            compared += 1
        assert labels  # every still holds at least one object
    assert compared >= 6
