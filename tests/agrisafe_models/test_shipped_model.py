"""The shipped model files (v1, the edge's; v2, gated) carry the metadata `agrisafe models
export` writes, calibration maps for their own version, and stay small."""

import ast
import json

import pytest

from agrisafe_models import CLASS_NAMES
from agrisafe_models.export import project_metadata, read_metadata
from testkit.paths import SHIPPED_MODEL_DIR

MAX_BYTES = 15 * 1024 * 1024


DIRS = {"1.0.0": SHIPPED_MODEL_DIR.parent / "agri-activity-v1", "2.0.0": SHIPPED_MODEL_DIR}


@pytest.mark.parametrize("version", sorted(DIRS))
@pytest.mark.parametrize("name", ["model.onnx", "model-int8.onnx"])
def test_shipped_model_metadata_and_size(version: str, name: str) -> None:
    path = DIRS[version] / name
    assert path.stat().st_size <= MAX_BYTES
    meta = read_metadata(path)
    ours = project_metadata(version=version)
    assert {k: meta[k] for k in ours} == ours
    assert ast.literal_eval(meta["names"]) == dict(enumerate(CLASS_NAMES))
    assert ast.literal_eval(meta["imgsz"]) == [320, 320]
    assert meta["task"] == "detect"
    assert meta["stride"] == "32"
    calibration = json.loads((DIRS[version] / "calibration.json").read_text())
    assert calibration["model"] == f"agri-activity {version}"  # maps fitted on this model
