"""The onnxruntime adapter on real (tiny, built-here) ONNX graphs."""

import sys
from pathlib import Path

import numpy as np
import pytest

from edge.detect import load_detector
from edge.errors import ModelError
from edge.params import DetectorParams
from testkit.edge_media import AGRI_NAMES, end_to_end_model, yolo_model


def test_names_and_size_come_from_metadata(tmp_path: Path) -> None:
    path = yolo_model(tmp_path / "agri-activity-v1" / "model.onnx", imgsz=64)
    det = load_detector(path, DetectorParams(threads=1))
    assert det.info.names == AGRI_NAMES
    assert det.info.imgsz == (64, 64)
    assert det.info.name == "agri-activity-v1"
    assert det.info.version.startswith("sha256:")


def test_metadata_version_wins(tmp_path: Path) -> None:
    meta = {"model_name": "agri", "model_version": "1.2.0"}
    det = load_detector(yolo_model(tmp_path / "m.onnx", meta=meta), DetectorParams())
    assert (det.info.name, det.info.version) == ("agri", "1.2.0")


def test_detections_are_mapped_back_to_frame_pixels(tmp_path: Path) -> None:
    rows = [(32.0, 32.0, 16.0, 8.0, 0)]
    det = load_detector(yolo_model(tmp_path / "m.onnx", rows, keyed=False), DetectorParams())
    frame = np.zeros((64, 128, 3), dtype=np.uint8)  # scale 0.5, pad_y 16
    [d] = det.detect(frame)
    assert d.label == "person"
    assert d.score == pytest.approx(0.9)
    assert d.box == pytest.approx((48.0, 24.0, 80.0, 40.0))


def test_bright_frames_score_high_dark_frames_vanish(tmp_path: Path) -> None:
    det = load_detector(yolo_model(tmp_path / "m.onnx"), DetectorParams(conf=0.5))
    bright = np.full((64, 64, 3), 240, dtype=np.uint8)
    dark = np.full((64, 64, 3), 10, dtype=np.uint8)
    assert {d.label for d in det.detect(bright)} == {"person", "backpack_sprayer", "spray_plume"}
    assert det.detect(dark) == []


def test_wrong_family_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"end-to-end .*nms=False"):
        load_detector(end_to_end_model(tmp_path / "e2e.onnx"), DetectorParams())


def test_class_count_mismatch_is_refused(tmp_path: Path) -> None:
    short = yolo_model(tmp_path / "short.onnx", names=AGRI_NAMES[:6], rows=[(1, 1, 1, 1, 0)])
    import onnx

    model = onnx.load(str(short))
    for p in model.metadata_props:
        if p.key == "names":
            p.value = str(dict(enumerate(AGRI_NAMES)))  # 7 names, but the head has 6 classes
    onnx.save(model, str(short))
    with pytest.raises(ModelError, match="expected 11 rows"):
        load_detector(short, DetectorParams())


def test_not_a_model_and_missing_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x00not onnx")
    with pytest.raises(ModelError, match="not a loadable ONNX model"):
        load_detector(junk, DetectorParams())
    with pytest.raises(ModelError, match="not found"):
        load_detector(tmp_path / "absent.onnx", DetectorParams())
    other = tmp_path / "m.tflite"
    other.write_bytes(b"x")
    with pytest.raises(ModelError, match="unsupported model type"):
        load_detector(other, DetectorParams())


def test_pt_without_ultralytics_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a None entry makes `import ultralytics` raise ImportError, as on an edge box without it
    monkeypatch.setitem(sys.modules, "ultralytics", None)
    pt = tmp_path / "best.pt"
    pt.write_bytes(b"x")
    with pytest.raises(ModelError, match=r"agrisafe\[train\]"):
        load_detector(pt, DetectorParams())


def test_project_metadata_names_json_and_family(tmp_path: Path) -> None:
    meta = {"family": "yolov8", "names_json": '["a", "b", "c", "d", "e", "f", "g"]'}
    det = load_detector(yolo_model(tmp_path / "m.onnx", meta=meta), DetectorParams())
    assert det.info.names == ("a", "b", "c", "d", "e", "f", "g")
    with pytest.raises(ModelError, match="model family 'yolo26'"):
        load_detector(yolo_model(tmp_path / "n.onnx", meta={"family": "yolo26"}), DetectorParams())
