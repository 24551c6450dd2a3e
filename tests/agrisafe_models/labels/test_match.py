"""Matching entries to image files and naming them in the dataset (pure)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agrisafe_models.labels.match import output_names, pick_image, stem_of
from agrisafe_models.labels.parse import LabelError


def test_the_folders_the_export_gives_pick_the_image() -> None:
    files = [("day1", "f.jpg"), ("day2", "f.jpg")]
    assert pick_image(("day2",), files, "e") == ("day2", "f.jpg")
    assert pick_image(("home", "me", "day1"), files, "e") == ("day1", "f.jpg")
    assert pick_image((), [("f.jpg",)], "e") == ("f.jpg",)
    assert pick_image(("x",), [], "e") is None
    with pytest.raises(LabelError, match=r"day1/f\.jpg and day2/f\.jpg both match"):
        pick_image(("x",), files, "e")


def test_the_exact_folder_wins_over_a_deeper_one_ending_the_same_way() -> None:
    deeper = [("archive", "day1", "f.jpg"), ("day1", "f.jpg")]
    assert pick_image(("day1",), deeper, "e") == ("day1", "f.jpg")
    assert pick_image(("archive", "day1"), deeper, "e") == ("archive", "day1", "f.jpg")
    assert pick_image((), [("backup", "f.jpg"), ("f.jpg",)], "e") == ("f.jpg",)
    # Only non-exact ones tie: still refused.
    with pytest.raises(LabelError, match=r"a/day1/f\.jpg and b/day1/f\.jpg both match"):
        pick_image(("day1",), [("b", "day1", "f.jpg"), ("a", "day1", "f.jpg")], "e")
    with pytest.raises(LabelError, match=r"a/f\.jpg and b/f\.jpg both match"):
        pick_image((), [("a", "f.jpg"), ("b", "f.jpg")], "e")
    # Two exact ones (one YOLO label, two suffixes) are a tie as before.
    with pytest.raises(LabelError, match=r"d/a\.jpg and d/a\.png both match"):
        pick_image(("d",), [("d", "a.png"), ("d", "a.jpg"), ("x", "d", "a.jpg")], "e")


def test_only_names_two_images_share_get_a_hash() -> None:
    names = output_names([("d1", "f.jpg"), ("d2", "f.jpg"), ("a.jpg",), ("a.png",), ("b.jpg",)])
    assert names[("b.jpg",)] == "b.jpg"
    assert names[("d1", "f.jpg")] != names[("d2", "f.jpg")]
    assert names[("a.png",)].startswith("a-")
    assert names[("a.png",)].endswith(".png")


folders = st.sampled_from([(), ("d1",), ("d2",), ("d1", "x")])
files = st.sampled_from(["a.jpg", "a.png", "b.jpg", "a-1.jpg"])
paths = st.lists(st.tuples(folders, files).map(lambda t: (*t[0], t[1])), max_size=12)


@given(paths)
def test_every_source_gets_a_label_file_of_its_own(sources: list[tuple[str, ...]]) -> None:
    names = output_names(sources)
    assert set(names) == set(sources)
    assert len({stem_of(n) for n in names.values()}) == len(names)
