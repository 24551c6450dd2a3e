"""YOLOv8/YOLO11 head maths: letterbox, decode, NMS, metadata parsing."""

import contextlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.detect.yolo import (
    check_output_shape,
    decode,
    letterbox,
    nms,
    parse_imgsz,
    parse_names,
)
from edge.errors import ModelError


def test_letterbox_pads_grey_and_keeps_aspect() -> None:
    frame = np.zeros((360, 640, 3), dtype=np.uint8)
    blob, box = letterbox(frame, (320, 320))
    assert blob.shape == (1, 3, 320, 320)
    assert blob.dtype == np.float32
    assert box.scale == pytest.approx(0.5)
    assert (box.pad_x, box.pad_y) == (0.0, 70.0)
    assert blob[0, 0, 0, 0] == pytest.approx(114 / 255)  # padding
    assert blob[0, 0, 100, 100] == 0.0  # the frame


def test_decode_undoes_letterbox_and_keeps_best_class() -> None:
    frame_hw = (360, 640)
    _, box = letterbox(np.zeros((*frame_hw, 3), dtype=np.uint8), (320, 320))
    # One candidate at (160, 160) 40×20 in input pixels; class 1 scores best.
    out = np.array([[[160.0], [160.0], [40.0], [20.0], [0.3], [0.8]]], dtype=np.float32)
    boxes, scores, classes = decode(out, box, frame_hw, np.array([0.25, 0.25], dtype=np.float32))
    assert classes.tolist() == [1]
    assert scores.tolist() == pytest.approx([0.8])
    # input (140..180, 150..170) → frame: x / 0.5, (y - 70) / 0.5
    assert boxes[0].tolist() == pytest.approx([280.0, 160.0, 360.0, 200.0])


def test_decode_applies_per_class_thresholds() -> None:
    _, box = letterbox(np.zeros((64, 64, 3), dtype=np.uint8), (64, 64))
    out = np.array([[[10.0, 20.0], [10.0, 20.0], [4.0, 4.0], [4.0, 4.0], [0.5, 0.0], [0.0, 0.5]]])
    mins = np.array([0.6, 0.4], dtype=np.float32)
    _, _, classes = decode(out.astype(np.float32), box, (64, 64), mins)
    assert classes.tolist() == [1]


def test_decode_clips_boxes_to_the_frame() -> None:
    _, box = letterbox(np.zeros((64, 64, 3), dtype=np.uint8), (64, 64))
    out = np.array([[[2.0], [60.0], [10.0], [10.0], [0.9]]], dtype=np.float32)
    boxes, _, _ = decode(out, box, (64, 64), np.array([0.25], dtype=np.float32))
    assert boxes[0].tolist() == [0.0, 55.0, 7.0, 64.0]


def test_nms_is_class_wise() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 10]], dtype=np.float32)
    scores = np.array([0.9, 0.8, 0.7], dtype=np.float32)
    classes = np.array([0, 0, 1], dtype=np.int64)
    assert nms(boxes, scores, classes, 0.5) == [0, 2]  # the overlapping same-class box goes


_XY = st.floats(0, 100)
_WH = st.floats(1, 100)  # degenerate boxes have no meaningful IoU


@given(st.lists(st.tuples(_XY, _XY, _WH, _WH, st.floats(0, 1)), max_size=30))
def test_nms_keeps_no_overlapping_pair_of_a_class(rows: list[tuple[float, ...]]) -> None:
    boxes = np.array([[a, b, a + c, b + d] for a, b, c, d, _ in rows], dtype=np.float32)
    boxes = boxes.reshape(-1, 4)
    scores = np.array([r[4] for r in rows], dtype=np.float32)
    keep = nms(boxes, scores, np.zeros(len(rows), dtype=np.int64), 0.5)
    from edge.geometry import iou

    for i in keep:
        for j in keep:
            if i < j:
                a = tuple(float(v) for v in boxes[i])
                b = tuple(float(v) for v in boxes[j])
                assert iou(a, b) <= 0.5 + 1e-5  # type: ignore[arg-type]


def test_metadata_parsing() -> None:
    assert parse_names("{0: 'person', 1: 'spray_plume'}") == ("person", "spray_plume")
    assert parse_names("['a', 'b']") == ("a", "b")
    assert parse_imgsz("[384, 640]") == (384, 640)
    assert parse_imgsz("320") == (320, 320)


@given(st.text(max_size=60))
def test_metadata_parsers_never_crash_on_garbage(raw: str) -> None:
    for parse in (parse_names, parse_imgsz):
        with contextlib.suppress(ModelError):
            parse(raw)


@pytest.mark.parametrize(
    ("shape", "needle"),
    [
        ([1, 300, 6], "end-to-end"),
        ([1, 12, 8400], "expected 11 rows"),
        ([1, 8400], "not a YOLOv8/YOLO11 head"),
    ],
)
def test_output_shape_errors_name_the_problem(shape: list[int], needle: str) -> None:
    with pytest.raises(ModelError, match=needle):
        check_output_shape(shape, 7)
    check_output_shape([1, 11, 8400], 7)
    check_output_shape(["batch", 11, "anchors"], 7)  # a dynamic export names its free axes
    with pytest.raises(ModelError, match="not a YOLOv8/YOLO11 head"):
        check_output_shape([2, 11, 8400], 7)
