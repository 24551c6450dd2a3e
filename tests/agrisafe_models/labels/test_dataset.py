"""Images of one name, links, evaluation photos and unreadable class lists on import."""

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner, Result

from agrisafe_models.cli import app
from agrisafe_models.evaluate.real import LABELS
from agrisafe_models.labels.dataset import read_yolo_export, yolo_names
from agrisafe_models.labels.parse import LabelError

PHOTO = LABELS.parent / "photos" / "farmer-walking-young-maize-field.jpg"


def image(path: Path, shade: int) -> bytes:
    """A small image whose pixels tell it apart; its bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((100, 200, 3), shade, dtype=np.uint8))
    return path.read_bytes()


def coco(*names: str) -> dict[str, object]:
    """COCO with one `person` box per image, at x = 10 px × its position (to tell them apart)."""
    images = [{"id": i, "file_name": n, "width": 200, "height": 100} for i, n in enumerate(names)]
    boxes = [
        {"image_id": i, "category_id": 1, "bbox": [10 * (i + 1), 0, 10, 10]}
        for i in range(len(names))
    ]
    return {"images": images, "annotations": boxes, "categories": [{"id": 1, "name": "person"}]}


def run(tmp_path: Path, *args: str) -> tuple[int, str, Path]:
    out = tmp_path / "ds"
    result = CliRunner().invoke(
        app, ["import-labels", *args, "--out", str(out), "--val-share", "0"]
    )
    return result.exit_code, result.output, out


def import_coco(export: Path, out: Path) -> Result:
    """`import-labels --format coco` of EXPORT into OUT, with the default split."""
    return CliRunner().invoke(
        app, ["import-labels", "--format", "coco", "--input", str(export), "--out", str(out)]
    )


def label_for(out: Path, data: bytes) -> str:
    """The label file written beside the dataset image with these bytes."""
    [img] = [p for p in (out / "images" / "train").iterdir() if p.read_bytes() == data]
    return (out / "labels" / "train" / (img.stem + ".txt")).read_text()


def test_same_named_images_in_two_folders_keep_their_own_labels(tmp_path: Path) -> None:
    root = tmp_path / "export"
    day1 = image(root / "day1" / "frame_0001.jpg", 40)
    day2 = image(root / "day2" / "frame_0001.jpg", 200)
    a_jpg, a_png = image(root / "a.jpg", 90), image(root / "a.png", 120)
    names = ("day1/frame_0001.jpg", "day2/frame_0001.jpg", "a.jpg", "a.png")
    (root / "coco.json").write_text(json.dumps(coco(*names)))
    code, output, out = run(tmp_path, "--format", "coco", "--input", str(root / "coco.json"))
    assert code == 0, output
    summary = json.loads(output)
    assert summary["images"] == 4
    assert sorted(summary["renamed"]) == sorted(names)
    assert len(list((out / "images" / "train").iterdir())) == 4
    for n, data in enumerate((day1, day2, a_jpg, a_png)):
        cx = (10 * (n + 1) + 5) / 200
        assert float(label_for(out, data).split()[1]) == pytest.approx(cx)


def test_a_bare_name_two_images_could_be_is_refused_naming_both(tmp_path: Path) -> None:
    root = tmp_path / "export"
    image(root / "day1" / "frame_0001.jpg", 40)
    image(root / "day2" / "frame_0001.jpg", 200)
    (root / "coco.json").write_text(json.dumps(coco("frame_0001.jpg")))
    code, output, out = run(tmp_path, "--format", "coco", "--input", str(root / "coco.json"))
    assert code == 2
    assert "day1/frame_0001.jpg and day2/frame_0001.jpg both match" in output
    assert not out.exists()


def test_one_image_listed_twice_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "export"
    image(root / "day1" / "f.jpg", 40)
    (root / "coco.json").write_text(json.dumps(coco("day1/f.jpg", "f.jpg")))
    code, output, _ = run(tmp_path, "--format", "coco", "--input", str(root / "coco.json"))
    assert code == 2
    assert "day1/f.jpg and f.jpg: both are the image day1/f.jpg" in output


def test_yolo_label_files_of_one_name_find_their_own_image(tmp_path: Path) -> None:
    root = tmp_path / "export"
    (root / "labels" / "day1").mkdir(parents=True)
    (root / "labels" / "day2").mkdir(parents=True)
    (root / "classes.txt").write_text("person\n")
    (root / "labels" / "day1" / "f.txt").write_text("0 0.1 0.5 0.1 0.1\n")
    (root / "labels" / "day2" / "f.txt").write_text("0 0.7 0.5 0.1 0.1\n")
    day1 = image(root / "images" / "day1" / "f.jpg", 40)
    day2 = image(root / "images" / "day2" / "f.jpg", 200)
    items = read_yolo_export(root)
    assert [i.path for i in items] == ["images/day1/f.jpg", "images/day2/f.jpg"]
    code, output, out = run(tmp_path, "--format", "yolo", "--input", str(root))
    assert code == 0, output
    assert float(label_for(out, day1).split()[1]) == pytest.approx(0.1)
    assert float(label_for(out, day2).split()[1]) == pytest.approx(0.7)


def test_a_yolo_label_two_images_could_be_is_refused(tmp_path: Path) -> None:
    (tmp_path / "classes.txt").write_text("person\n")
    (tmp_path / "a.txt").write_text("0 0.1 0.5 0.1 0.1\n")
    image(tmp_path / "a.jpg", 40)
    image(tmp_path / "a.png", 90)
    with pytest.raises(LabelError, match=r"a\.jpg and a\.png both match"):
        read_yolo_export(tmp_path)


def test_a_linked_image_is_refused_and_counted(tmp_path: Path) -> None:
    root = tmp_path / "export"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("password\n")
    (root / "x.jpg").symlink_to(tmp_path / "secret.txt")
    (root / "coco.json").write_text(json.dumps(coco("x.jpg")))
    result = import_coco(root / "coco.json", tmp_path / "ds")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["refused_files"] == ["x.jpg"]
    assert summary["images"] == 0
    assert summary["missing_images"] == ["x.jpg"]
    assert "1 link(s) or non-regular file(s) not imported" in result.stderr
    assert not list(tmp_path.glob("ds/images/*/*"))


def test_an_evaluation_photo_is_left_out_and_counted(tmp_path: Path) -> None:
    root = tmp_path / "export"
    root.mkdir()
    shutil.copyfile(PHOTO, root / "renamed.jpg")  # a copy under another name is caught too
    keep = image(root / "own.jpg", 60)
    (root / "coco.json").write_text(json.dumps(coco("renamed.jpg", "own.jpg")))
    result = import_coco(root / "coco.json", tmp_path / "ds")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["evaluation_photos"] == [f"renamed.jpg = {PHOTO.name}"]
    assert summary["images"] == 1
    assert "1 real-dev evaluation photo(s) left out" in result.stderr
    assert [p.read_bytes() for p in (tmp_path / "ds").glob("images/*/*")] == [keep]


def test_finetune_refuses_a_dataset_holding_an_evaluation_photo(tmp_path: Path) -> None:
    (tmp_path / "images" / "train").mkdir(parents=True)
    shutil.copyfile(PHOTO, tmp_path / "images" / "train" / "x.jpg")
    (tmp_path / "data.yaml").write_text("train: images/train\nval: images/val\nnames: [person]\n")
    for name in ("base.pt", "rendered.yaml"):
        (tmp_path / name).write_text("x")
    args = ["finetune", "--base", str(tmp_path / "base.pt"), "--data", str(tmp_path / "data.yaml")]
    result = CliRunner().invoke(app, [*args, "--rendered", str(tmp_path / "rendered.yaml")])
    assert result.exit_code == 2
    assert f"x.jpg is the real-dev evaluation photo {PHOTO.name}" in result.output


def test_a_non_utf8_class_list_is_a_label_error(tmp_path: Path) -> None:
    (tmp_path / "classes.txt").write_bytes(b"person\n\xff\xfe\n")
    with pytest.raises(LabelError, match=r"classes\.txt: not UTF-8"):
        yolo_names(tmp_path)


def test_a_data_yaml_nested_too_deep_is_a_label_error(tmp_path: Path) -> None:
    (tmp_path / "data.yaml").write_text("[" * 100_000)
    with pytest.raises(LabelError, match=r"data\.yaml: not YAML"):
        yolo_names(tmp_path)
