"""The real-dev evaluation photos, found as the evaluation lists them and matched by content."""

from pathlib import Path

from agrisafe_models.labels.holdout import (
    dataset_images,
    holdout_hashes,
    holdout_hits,
    real_dev_photos,
)


def test_photos_come_from_the_labels_csv_and_the_shared_manifest(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    (shared / "positives").mkdir(parents=True)
    (shared / "positives" / "p.jpg").write_bytes(b"p")
    (shared / "negatives").mkdir()
    (shared / "negatives" / "n.jpg").write_bytes(b"n")
    (shared / "manifest.csv").write_text("file,label\nnegatives/n.jpg,x\nnegatives/gone.jpg,x\n")
    labels = tmp_path / "labels.csv"
    labels.write_text("file,label,people,licence,notes\npositives/p.jpg,spraying,1,MIT,\n")
    photos = real_dev_photos(labels, shared)
    assert [p.name for p in photos] == ["n.jpg", "p.jpg"]
    own = tmp_path / "ds" / "images" / "train"
    own.mkdir(parents=True)
    (own / "copy.jpg").write_bytes(b"n")
    (own / "mine.jpg").write_bytes(b"m")
    (tmp_path / "ds" / "data.yaml").write_text("train: images/train\nval: images/val\n")
    images = dataset_images(tmp_path / "ds" / "data.yaml")
    assert [p.name for p in images] == ["copy.jpg", "mine.jpg"]
    assert holdout_hits(images, holdout_hashes(photos)) == [(own / "copy.jpg", "n.jpg")]
