"""People boxed by hand: the shipped boxes agree with the labels, and matching is one to one."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from agrisafe_models.evaluate.people import (
    BOXES,
    PersonBox,
    band,
    match_people,
    read_boxes,
    summarise_people,
)
from agrisafe_models.evaluate.real import Photo, Scorer, evaluate_real, read_labels
from edge.detect.base import Detection, Image, ModelInfo


def test_every_labelled_person_is_boxed_and_nobody_else() -> None:
    boxes = read_boxes()
    people = {p.file: p.people for p in read_labels()}
    assert set(boxes) <= set(people)  # no box on a photo the set does not have
    for file, count in people.items():
        assert len(boxes.get(file, [])) == count, file
    difficult = [b for rows in boxes.values() for b in rows if b.difficult]
    assert 0 < len(difficult) < 10  # only the blurred group and one figure that may be a sheaf


def test_a_bad_box_row_names_its_line(tmp_path: Path) -> None:
    head = "file,x1,y1,x2,y2,difficult,note\n"
    rows = (
        "a.jpg,10,10,5,20,0,x",
        "a.jpg,1,1,5,5,2,x",
        "a.jpg,1,one,5,5,0,x",
        "a.jpg,1,1,inf,5,0,x",
    )
    for row in rows:
        bad = tmp_path / "boxes.csv"
        bad.write_text(head + "a.jpg,0,0,5,5,0,fine\n" + row + "\n")
        with pytest.raises(ValueError, match=r"boxes\.csv:3"):
            read_boxes(bad)
    assert BOXES.name == "people-boxes.csv"


def test_height_bands_are_pixels_of_a_1080_line_frame() -> None:
    assert band((0, 0, 10, 29), 1080) == "<30"
    assert band((0, 0, 10, 30), 1080) == "30-120"
    assert band((0, 0, 10, 15), 540) == "30-120"  # 15 of 540 lines is 30 of 1080
    assert band((0, 0, 10, 60), 540) == ">=120"


A = PersonBox((100.0, 100.0, 140.0, 220.0), False)  # 120 of 1080 lines: >=120
B = PersonBox((300.0, 100.0, 330.0, 160.0), False)  # 60 lines: 30-120
BLUR = PersonBox((500.0, 100.0, 530.0, 160.0), True)


def _person(box: tuple[float, float, float, float], score: float = 0.8) -> Detection:
    return Detection("person", score, box)


def test_matching_is_one_to_one_and_tells_a_box_on_a_head_from_a_person_found() -> None:
    dets = [
        _person(A.box, 0.9),  # A, well placed: found
        _person((102.0, 102.0, 138.0, 200.0), 0.6),  # a second box on A: a double, false
        _person((305.0, 100.0, 325.0, 115.0)),  # B's head only: on him, not his box
        _person((700.0, 100.0, 730.0, 160.0)),  # on nobody: false
        _person(BLUR.box),  # on a person too blurred to count: neither
        Detection("livestock", 0.9, B.box),  # not a person detection: not matched here
    ]
    row = match_people(dets, [A, B, BLUR], 1080)
    assert (row["boxed"], row["found"], row["on_person"], row["false"]) == (2, 1, 2, 2)
    assert row["by_height"] == {
        ">=120": {"of": 1, "found": 1, "on_person": 1},
        "30-120": {"of": 1, "found": 0, "on_person": 1},
    }
    assert match_people([], [A], 1080)["found"] == 0
    assert match_people([_person(A.box)], [], 1080)["false"] == 1


def test_summary_adds_the_photos_up_and_is_empty_without_boxes() -> None:
    one = match_people([_person(A.box)], [A, B], 1080)
    two = match_people([_person((700.0, 0.0, 720.0, 40.0))], [B], 1080)
    summary = summarise_people([{"boxes": one}, {"boxes": two}, {"boxes": None}])
    assert summary["people_boxed"] == 3
    assert (summary["person_recall_boxes"], summary["false_persons_on_people_photos"]) == (
        0.333,
        1,
    )
    assert summary["person_recall_by_height_1080p"]["30-120"] == {
        "of": 2,
        "found": 0,
        "on_person": 0,
    }
    assert summarise_people([{"boxes": None}]) == {}


class Misplaced:
    """Fake detector: one `person` on a patch of ground (scoring is under test, not a model)."""

    info = ModelInfo("scripted", "1", ("person",), (320, 320))

    def detect(self, frame: Image) -> list[Detection]:
        return [Detection("person", 0.8, (10.0, 10.0, 30.0, 50.0))]


def test_a_person_on_the_ground_counts_for_the_count_but_not_for_the_boxes(
    tmp_path: Path,
) -> None:
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((200, 200, 3), np.uint8))
    photos = [Photo("a.png", "no_spraying", 1, "test")]
    truth = {"a.png": [PersonBox((120.0, 40.0, 160.0, 180.0), False)]}
    result = evaluate_real(photos, tmp_path, Scorer(Misplaced()), truth)
    row, summary = result["images"][0], result["summary"]
    assert row["persons_matched"] == 1  # the count sees one person for one labelled
    assert (row["boxes"]["found"], row["boxes"]["on_person"], row["boxes"]["false"]) == (0, 0, 1)
    assert (summary["person_recall_count"], summary["person_recall_boxes"]) == (1.0, 0.0)
    # without boxes the report is as before: no box-matched keys
    plain = evaluate_real(photos, tmp_path, Scorer(Misplaced()))
    assert plain["images"][0]["boxes"] is None
    assert "person_recall_boxes" not in plain["summary"]
