"""The shipped model files carry the metadata `agrisafe models export` writes, and stay small."""

import ast

import pytest

from agrisafe_models import CLASS_NAMES
from agrisafe_models.export import project_metadata, read_metadata
from testkit.paths import SHIPPED_MODEL_DIR

MAX_BYTES = 15 * 1024 * 1024


@pytest.mark.parametrize("name", ["model.onnx", "model-int8.onnx"])
def test_shipped_model_metadata_and_size(name: str) -> None:
    path = SHIPPED_MODEL_DIR / name
    assert path.stat().st_size <= MAX_BYTES
    meta = read_metadata(path)
    assert {k: meta[k] for k in project_metadata()} == project_metadata()
    assert ast.literal_eval(meta["names"]) == dict(enumerate(CLASS_NAMES))
    assert ast.literal_eval(meta["imgsz"]) == [320, 320]
    assert meta["task"] == "detect"
    assert meta["stride"] == "32"
