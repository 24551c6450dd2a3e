"""The real-photo evaluator on a few photos: package photos always, shared real-dev if present."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from agrisafe_models.evaluate.people import read_boxes
from agrisafe_models.evaluate.real import (
    LABELS,
    Photo,
    Scorer,
    evaluate_real,
    locate,
    read_labels,
    read_photo,
    summarise,
)
from edge.detect import load_detector
from edge.detect.base import Detection, Image, ModelInfo
from edge.detect.verifier import Crops, OnnxVerifier
from edge.params import DetectorParams, VerifierParams
from testkit.paths import REPO, SHIPPED_MODEL_DIR

REAL_DEV = REPO.parent / "shared" / "real-dev"  # ../shared beside the checkout
COCO = REPO / "models" / "yolov8n-coco" / "model.onnx"
ZIDANE = "pkg:ultralytics/assets/zidane.jpg"
V1_DIR = SHIPPED_MODEL_DIR.parent / "agri-activity-v1"  # the first model: its mistakes are known


def test_a_photo_is_read_as_bgr_bytes_and_a_broken_one_named(tmp_path: Path) -> None:
    zidane = locate(ZIDANE, None)
    assert zidane is not None
    image = read_photo(zidane)
    assert image.dtype == np.uint8
    assert image.shape[2:] == (3,)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not a jpeg \x00")
    with pytest.raises(ValueError, match=r"broken\.jpg: not a readable image"):
        read_photo(broken)


def test_labels_cover_the_set_and_package_photos() -> None:
    photos = read_labels()
    files = {p.file for p in photos}
    assert len(photos) == len(files) >= 42
    assert {ZIDANE, "pkg:ultralytics/assets/bus.jpg"} <= files
    assert all(p.people >= 0 and p.licence for p in photos)
    assert locate(ZIDANE, None) is not None
    assert locate("positives/x.jpg", None) is None
    assert locate("repo:labels.csv", None) == LABELS.resolve()
    assert locate("repo:photos/none.jpg", None) is None
    assert locate("repo:../../pyproject.toml", None) is None  # never outside models/real-dev
    # the photos this repository keeps are all here, with their sources listed
    kept = [p.file for p in photos if p.file.startswith("repo:")]
    assert all(locate(f, None) is not None for f in kept)
    if kept:
        sources = (LABELS.parent / "SOURCES.md").read_text()
        assert all(Path(f[5:]).name in sources for f in kept)


def test_bad_label_row_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "labels.csv"
    bad.write_text("file,label,people,licence,notes\na.jpg,spraying,many,MIT,x\n")
    with pytest.raises(ValueError, match=r"labels\.csv:2"):
        read_labels(bad)


def _scorer(verifier: bool, model_dir: Path = SHIPPED_MODEL_DIR) -> Scorer:
    det = load_detector(model_dir / "model.onnx", DetectorParams())
    return Scorer(det, OnnxVerifier(COCO, VerifierParams()), verifier)


def test_package_photos_with_and_without_verifier() -> None:
    photos = [p for p in read_labels(LABELS) if p.file.startswith("pkg:")]
    plain = evaluate_real(photos, None, _scorer(False, V1_DIR))
    checked = evaluate_real(photos, None, _scorer(True, V1_DIR))
    assert plain["missing"] == []
    assert len(plain["images"]) == 3
    # zidane: the v1 model calls the two men livestock and sees plumes on them
    zidane = next(r for r in plain["images"] if r["file"] == ZIDANE)
    assert zidane["person_as_other"] >= 1
    assert zidane["cue"]
    fixed = next(r for r in checked["images"] if r["file"] == ZIDANE)
    assert fixed["person_as_other"] < zidane["person_as_other"]
    assert fixed["persons_found"] > zidane["persons_found"]
    assert (
        checked["summary"]["person_as_livestock_or_drone"]
        < plain["summary"]["person_as_livestock_or_drone"]
    )


def test_the_shipped_model_with_its_verifier_finds_both_men_in_zidane() -> None:
    photos = [p for p in read_labels(LABELS) if p.file == ZIDANE]
    boxes = read_boxes()
    plain = evaluate_real(photos, None, _scorer(False), boxes)["images"][0]
    checked = evaluate_real(photos, None, _scorer(True), boxes)["images"][0]
    assert (checked["persons_found"], checked["person_as_other"], checked["cue"]) == (2, 0, False)
    assert checked["people_added"] == 2 - plain["persons_found"]  # what the sweep added
    # and they are the two men, each boxed as labelled by hand, with no false person beside
    assert (checked["boxes"]["found"], checked["boxes"]["false"]) == (2, 0)


class OneBox:
    """Fake detector and reference: one scripted box (the scoring is under test, not a model)."""

    info = ModelInfo("scripted", "1", ("person", "spray_plume", "livestock"), (320, 320))

    def __init__(self, label: str) -> None:
        self.box = Detection(label, 0.8, (40.0, 20.0, 80.0, 120.0))

    def detect(self, frame: Image) -> list[Detection]:
        return [self.box]

    def reference(self, frame: Image, tiled: bool = False, crops: Crops = ()) -> list[Detection]:
        return [self.box]


def test_a_person_called_livestock_is_renamed_without_any_cue(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((160, 160, 3), np.uint8))
    photos = [Photo("a.png", "no_spraying", 1, "test")]
    scorer = Scorer(OneBox("livestock"), OneBox("person"))
    plain = evaluate_real(photos, tmp_path, scorer)["images"][0]
    assert (plain["person_as_other"], plain["persons_found"]) == (1, 0)
    checked = evaluate_real(photos, tmp_path, Scorer(scorer.detector, scorer.reference, True))
    row = checked["images"][0]
    assert (row["person_as_other"], row["persons_found"], row["cue"]) == (0, 1, False)


class CropSeer(OneBox):
    """Fake COCO that sees a far worker only when it looks at a crop; records its looks."""

    def __init__(self) -> None:
        super().__init__("livestock")
        self.looks: list[tuple[bool, int]] = []

    def reference(self, frame: Image, tiled: bool = False, crops: Crops = ()) -> list[Detection]:
        self.looks.append((tiled, len(crops)))
        return [Detection("person", 0.7, (100.0, 10.0, 110.0, 30.0))] if crops else []


def test_the_sweep_and_the_crop_around_a_livestock_box_are_one_look(tmp_path: Path) -> None:
    # the box is under a third of the photo's height: a crop is looked at around it
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((480, 480, 3), np.uint8))
    coco = CropSeer()
    scorer = Scorer(OneBox("livestock"), coco, True)
    row = evaluate_real([Photo("a.png", "no_spraying", 1, "t")], tmp_path, scorer)["images"][0]
    assert coco.looks == [(True, 1)]  # as the edge: one sweep's look, with the crop
    assert (row["people_added"], row["persons_found"]) == (1, 1)  # what the crop saw is added


def test_a_person_on_a_photo_of_nobody_is_a_false_person_tracked_only_when_sure(
    tmp_path: Path,
) -> None:
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((160, 160, 3), np.uint8))
    empty = [Photo("a.png", "no_spraying", 0, "test"), Photo("a.png", "ambiguous", 0, "test")]
    weak = OneBox("person")
    weak.box = Detection("person", 0.3, weak.box.box)  # below the tracker's start score
    summary = evaluate_real(empty, tmp_path, Scorer(weak))["summary"]
    assert summary["photos_without_people"] == 2
    assert (summary["false_person_rate_empty"], summary["false_person_rate_empty_tracked"]) == (
        1.0,
        0.0,
    )
    sure = evaluate_real(empty[:1], tmp_path, Scorer(OneBox("person")))["summary"]  # 0.8
    assert sure["false_person_rate_empty_tracked"] == 1.0
    # a photo with people in it does not count here, however many are found
    crowd = evaluate_real([Photo("a.png", "no_spraying", 1, "t")], tmp_path, Scorer(weak))
    assert crowd["summary"]["false_person_rate_empty"] is None


@pytest.mark.skipif(not REAL_DEV.is_dir(), reason=f"{REAL_DEV} absent (shared real-dev set)")
def test_real_dev_photos() -> None:
    wanted = {"positives", "negatives", "ambiguous"}
    photos: list[Photo] = []
    for p in read_labels():
        if p.file.split("/")[0] in wanted:
            photos.append(p)
            wanted.discard(p.file.split("/")[0])
    result = evaluate_real(photos, REAL_DEV, _scorer(True))
    assert result["missing"] == []
    summary = result["summary"]
    assert summary["images"] == 3
    assert (summary["positives"], summary["negatives"], summary["ambiguous"]) == (1, 1, 1)
    assert summary == summarise(result["images"])


def test_photos_kept_in_the_repo_load_and_are_scored_without_the_shared_set() -> None:
    photos = [p for p in read_labels() if p.file.startswith("repo:")]
    assert len(photos) >= 4
    result = evaluate_real(photos, None, _scorer(False))
    assert result["missing"] == []
    summary = result["summary"]
    assert summary["images"] == len(photos)
    assert summary["positives"] >= 1
    assert summary["people"] == sum(p.people for p in photos) >= 25


def test_coco_model_is_person_only() -> None:
    det = load_detector(COCO, DetectorParams())
    photos = [p for p in read_labels() if p.file == ZIDANE]
    row = evaluate_real(photos, None, Scorer(det))["images"][0]
    assert row["cue"] is None  # no spray classes: cue metrics not applicable
    assert row["persons_found"] == 2


def test_eval_real_takes_a_tile_grid_and_refuses_a_bad_one() -> None:
    from typer.testing import CliRunner

    from agrisafe_models.cli import app

    bad = CliRunner().invoke(app, ["eval-real", "--tiles", "0x2", "--reference", ""])
    assert bad.exit_code == 2
    assert "--tiles 0x2" in bad.output
    ok = CliRunner().invoke(app, ["eval-real", "--tiles", "2x2", "--reference", ""])
    assert ok.exit_code == 0, ok.output
    assert '"person_recall_count"' in ok.output


def test_eval_real_sweeps_on_crops_when_asked(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from agrisafe_models.cli import app

    bad = CliRunner().invoke(app, ["eval-real", "--verifier", "--sweep-tiles", "2x9"])
    assert bad.exit_code == 2
    assert "--sweep-tiles 2x9" in bad.output
    out = tmp_path / "real.json"
    args = ["eval-real", "--verifier", "--sweep-tiles", "2x2", "--json", str(out)]
    ok = CliRunner().invoke(app, args)
    assert ok.exit_code == 0, ok.output
    result = json.loads(out.read_text())
    assert (result["sweep"], result["sweep_tiles"]) == (True, [2, 2])
    zidane = next(r for r in result["images"] if r["file"] == ZIDANE)
    assert zidane["persons_found"] == 2  # each man once: a crop's cut half is not a third


def test_eval_real_sweeps_at_a_larger_input_when_asked(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from agrisafe_models.cli import app

    bad = CliRunner().invoke(app, ["eval-real", "--verifier", "--sweep-input", "500"])
    assert bad.exit_code == 2
    assert "--sweep-input 500" in bad.output
    assert "multiple of 32" in bad.output
    out = tmp_path / "real.json"
    drawn = tmp_path / "drawn"
    args = ["eval-real", "--verifier", "--sweep-input", "640", "--json", str(out)]
    ok = CliRunner().invoke(app, [*args, "--draw", str(drawn)])
    assert ok.exit_code == 0, ok.output
    result = json.loads(out.read_text())
    assert (result["sweep"], result["sweep_input"]) == (True, 640)
    # one drawing per photo scored, for a person to check the numbers by eye
    assert len(list(drawn.glob("*.jpg"))) == len(result["images"])
    assert (drawn / "pkg_ultralytics_assets_zidane.jpg").is_file()
    assert result["summary"]["people_boxed"] >= 5  # the package and repository photos' people
    zidane = next(r for r in result["images"] if r["file"] == ZIDANE)
    assert zidane["boxes"]["found"] == 2
