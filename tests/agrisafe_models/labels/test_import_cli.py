"""`agrisafe models import-labels` writes our YOLO dataset from each export format."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from agrisafe_models import CLASS_NAMES
from agrisafe_models.cli import app

COCO = {
    "images": [
        {"id": 1, "file_name": "f1.jpg", "width": 200, "height": 100},
        {"id": 2, "file_name": "gone.jpg", "width": 200, "height": 100},
    ],
    "annotations": [
        {"image_id": 1, "category_id": 1, "bbox": [20, 20, 40, 40]},
        {"image_id": 1, "category_id": 2, "bbox": [100, 50, 20, 20]},
        {"image_id": 1, "category_id": 3, "bbox": [0, 0, 10, 10]},
    ],
    "categories": [{"id": 1, "name": "Worker"}, {"id": 2, "name": "cow"}, {"id": 3, "name": "dog"}],
}
CVAT = """<annotations><image id="0" name="f1.jpg" width="200" height="100">
<box label="worker" xtl="20" ytl="20" xbr="60" ybr="60"/></image></annotations>"""
LS = [
    {
        "data": {"image": "/data/upload/1/f1.jpg"},
        "annotations": [
            {
                "result": [
                    {
                        "type": "rectanglelabels",
                        "value": {"x": 10, "y": 20, "width": 20, "height": 40,
                                  "rectanglelabels": ["worker"]},
                    }
                ]
            }
        ],
    }
]  # fmt: skip


@pytest.fixture
def export(tmp_path: Path) -> Path:
    root = tmp_path / "export"
    root.mkdir()
    cv2.imwrite(str(root / "f1.jpg"), np.zeros((100, 200, 3), dtype=np.uint8))
    (root / "coco.json").write_text(json.dumps(COCO))
    (root / "cvat.xml").write_text(CVAT)
    (root / "ls.json").write_text(json.dumps(LS))
    (root / "f1.txt").write_text("0 0.2 0.4 0.2 0.4\n")
    (root / "classes.txt").write_text("worker\n")
    return root


@pytest.mark.parametrize(
    ("fmt", "file"),
    [("coco", "coco.json"), ("cvat", "cvat.xml"), ("label-studio", "ls.json"), ("yolo", ".")],
)
def test_each_format_becomes_our_dataset(export: Path, tmp_path: Path, fmt: str, file: str) -> None:
    out = tmp_path / "ds"
    args = ["import-labels", "--format", fmt, "--input", str(export / file), "--out", str(out)]
    args += ["--map", "worker=person", "--map", "cow=livestock", "--val-share", "0"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["images"] == 1
    assert summary["per_class"]["person"] == 1
    labels = (out / "labels" / "train" / "f1.txt").read_text().splitlines()
    assert labels[0].split()[0] == "0"
    assert [float(v) for v in labels[0].split()[1:]] == pytest.approx([0.2, 0.4, 0.2, 0.4])
    assert (out / "images" / "train" / "f1.jpg").is_file()
    data = yaml.safe_load((out / "data.yaml").read_text())
    assert list(data["names"].values()) == list(CLASS_NAMES)
    if fmt == "coco":
        assert summary["per_class"]["livestock"] == 1
        assert summary["dropped"] == {"dog": 1}
        assert summary["missing_images"] == ["gone.jpg"]


def test_a_bad_export_is_a_clear_error_and_writes_nothing(export: Path, tmp_path: Path) -> None:
    (export / "bad.json").write_text('{"images": [{"id": 1}], "annotations": [], "categories": []}')
    out = tmp_path / "ds"
    args = ["import-labels", "--format", "coco", "--input", str(export / "bad.json")]
    result = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 2
    assert "images[0]: missing 'width'" in result.output
    assert not out.exists()


def test_a_bad_mapping_is_refused(export: Path, tmp_path: Path) -> None:
    args = ["import-labels", "--format", "cvat", "--input", str(export / "cvat.xml")]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "ds"), "--map", "x=cat"])
    assert result.exit_code == 2
    assert "NAME=CLASS" in result.output
