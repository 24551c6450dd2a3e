"""Annotation exports → boxes: each format read right, and hostile input is a LabelError."""

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agrisafe_models.labels.parse import (
    Box,
    ImageLabels,
    LabelError,
    parse_coco,
    parse_cvat,
    parse_label_studio,
    parse_yolo,
)

PERSON = Box("person", 0.1, 0.2, 0.3, 0.6)


def corners(b: Box) -> tuple[float, float, float, float]:
    return (b.x1, b.y1, b.x2, b.y2)


def close(a: ImageLabels, b: ImageLabels) -> bool:
    if a.image != b.image or len(a.boxes) != len(b.boxes):
        return False
    return all(
        x.label == y.label and corners(x) == pytest.approx(corners(y))
        for x, y in zip(a.boxes, b.boxes, strict=True)
    )


def test_yolo() -> None:
    got = parse_yolo("f1.jpg", "0 0.2 0.4 0.2 0.4\n\n", ["person", "cow"])
    assert close(got, ImageLabels("f1.jpg", (PERSON,)))


def test_coco() -> None:
    doc = {
        "images": [{"id": 7, "file_name": "sub/f1.jpg", "width": 200, "height": 100}],
        "annotations": [{"image_id": 7, "category_id": 1, "bbox": [20, 20, 40, 40]}],
        "categories": [{"id": 1, "name": "person"}],
    }
    [got] = parse_coco(json.dumps(doc))
    assert close(got, ImageLabels("f1.jpg", (PERSON,)))


def test_cvat() -> None:
    xml = b"""<?xml version="1.0" encoding="utf-8"?>
<annotations><version>1.1</version>
  <image id="0" name="frames/f1.jpg" width="200" height="100">
    <box label="person" occluded="0" xtl="20" ytl="20" xbr="60" ybr="60"/>
    <polygon label="plot" points="0,0;1,1;2,0"/>
  </image>
</annotations>"""
    [got] = parse_cvat(xml)
    assert close(got, ImageLabels("f1.jpg", (PERSON,)))


def test_label_studio() -> None:
    tasks = [
        {
            "data": {"image": "/data/upload/3/abc-f1.jpg"},
            "annotations": [
                {
                    "result": [
                        {
                            "type": "rectanglelabels",
                            "value": {
                                "x": 10, "y": 20, "width": 20, "height": 40,
                                "rectanglelabels": ["person"],
                            },
                        },
                        {"type": "choices", "value": {"choices": ["spraying"]}},
                    ]
                }
            ],
        }
    ]  # fmt: skip
    [got] = parse_label_studio(json.dumps(tasks))
    assert close(got, ImageLabels("abc-f1.jpg", (PERSON,)))


def test_boxes_are_clipped_and_outside_ones_dropped() -> None:
    got = parse_yolo("f.jpg", "0 0.95 0.5 0.2 0.2\n0 1.5 1.5 0.1 0.1\n", ["person"])
    assert len(got.boxes) == 1
    assert got.boxes[0].x2 == 1.0


@pytest.mark.parametrize(
    "bad",
    [
        b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]><annotations>&a;</annotations>",
        b'<annotations><box label="p" xtl="0" ytl="0" xbr="1" ybr="1"/></annotations>',
        b'<annotations><image name="a.jpg" width="0" height="10"/></annotations>',
        b'<annotations><image name="../.." width="10" height="10"/></annotations>',
        b"<annotations><image",
    ],
)
def test_hostile_cvat_is_refused(bad: bytes) -> None:
    with pytest.raises(LabelError):
        parse_cvat(bad)


@pytest.mark.parametrize(
    "bad",
    [
        "[" * 100_000,
        '{"images": [], "annotations": [{"image_id": 1}], "categories": []}',
        '{"images": [{"id": 1, "file_name": "a.jpg", "width": "NaN", "height": 1}]}',
        '{"images": [], "annotations": [], "categories": [{"id": true, "name": "x"}]}',
    ],
)
def test_hostile_coco_is_refused(bad: str) -> None:
    with pytest.raises(LabelError):
        parse_coco(bad)


def test_hostile_yolo_is_refused() -> None:
    for text in ("0 0.5 0.5 0.1", "7 0.5 0.5 0.1 0.1", "0.5 0.5 0.5 0.1 0.1", "0 a b c d"):
        with pytest.raises(LabelError):
            parse_yolo("f.jpg", text, ["person"])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["images", "annotations", "categories", "id", "image_id", "category_id",
                         "bbox", "file_name", "width", "height", "name", "data", "image",
                         "result", "type", "value", "x", "y", "rectanglelabels"]),
        inner, max_size=6),
    max_leaves=30,
)  # fmt: skip


def _only_label_errors(fn: Any, data: Any) -> None:
    try:
        out = fn(data)
    except LabelError:
        return
    for item in out:
        for b in item.boxes:
            assert 0 <= b.x1 < b.x2 <= 1
            assert 0 <= b.y1 < b.y2 <= 1


@settings(max_examples=300)
@given(json_values)
def test_any_json_is_read_or_refused_cleanly(doc: Any) -> None:
    text = json.dumps(doc)
    _only_label_errors(parse_coco, text)
    _only_label_errors(parse_label_studio, text)


@settings(max_examples=300)
@given(
    st.binary(max_size=300) | st.text(max_size=300).map(lambda t: f"<annotations>{t}</annotations>")
)
def test_any_bytes_as_cvat_are_read_or_refused_cleanly(data: bytes | str) -> None:
    _only_label_errors(parse_cvat, data)


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_any_text_as_yolo_is_read_or_refused_cleanly(text: str) -> None:
    _only_label_errors(lambda t: [parse_yolo("a.jpg", t, ["person", "cow"])], text)


BIG = "9" * 400  # a JSON integer no float holds: float() raises OverflowError, not ValueError


@pytest.mark.parametrize(
    ("parse", "doc", "entry"),
    [
        (parse_coco, f'{{"images": [{{"id": 1, "file_name": "a.jpg", "width": {BIG}, '
                     '"height": 1}], "annotations": [], "categories": []}', "images[0]"),
        (parse_label_studio, f'[{{"data": {{"image": "a.jpg"}}, "annotations": [{{"result": '
                             f'[{{"type": "rectanglelabels", "value": {{"x": {BIG}, "y": 1, '
                             '"width": 1, "height": 1, "rectanglelabels": ["person"]}}]}]}]',
         "task[0].annotations[0].result[0]"),
    ],
)  # fmt: skip
def test_a_huge_integer_is_a_label_error_naming_the_entry(parse: Any, doc: str, entry: str) -> None:
    with pytest.raises(LabelError, match=r"^" + re.escape(entry) + ": not a finite number"):
        parse(doc)


def test_each_format_keeps_the_image_path_the_export_gives() -> None:
    doc = {
        "images": [{"id": 1, "file_name": "day1/f.jpg", "width": 10, "height": 10}],
        "annotations": [],
        "categories": [],
    }
    assert parse_coco(json.dumps(doc))[0].path == "day1/f.jpg"
    cvat = b'<annotations><image name="C:\\x\\..\\day2\\f.jpg" width="1" height="1"/></annotations>'
    assert parse_cvat(cvat)[0] == ImageLabels("f.jpg", (), "x/day2/f.jpg")
    ls = [{"data": {"image": "/data/upload/1/f.jpg?d=1"}}]
    assert parse_label_studio(json.dumps(ls))[0].path == "data/upload/1/f.jpg"
    assert parse_yolo("images/a/f.jpg", "", ["person"]).path == "images/a/f.jpg"
