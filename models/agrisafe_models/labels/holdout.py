"""The real-dev evaluation photos, by content, so none of them becomes training data.

A model trained on a photo it is then scored on reports recall it does not have, and the ship
gate (`finetune.ship_gate`) would pass it. The photos are the ones the evaluation itself lists:
`models/real-dev/labels.csv` (located as `evaluate.real.locate` does) and, when the shared set
is there, its `manifest.csv`. They are matched by SHA-256, so a renamed copy is caught too.
"""

import csv
import hashlib
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

from agrisafe_models.evaluate.real import LABELS, locate, read_labels

logger = logging.getLogger(__name__)
# `../shared/real-dev` beside the repository: where `eval-real --set` points in the docs
SHARED_SET = LABELS.parents[2] / "shared" / "real-dev"
CHUNK = 1 << 20
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def manifest_files(set_dir: Path) -> list[Path]:
    """The photos `manifest.csv` of the shared set lists (none when it is absent)."""
    manifest = set_dir / "manifest.csv"
    if not manifest.is_file():
        return []
    with manifest.open(newline="", encoding="utf-8") as fh:
        rows = [row.get("file") or "" for row in csv.DictReader(fh)]
    return [set_dir / r for r in rows if r and (set_dir / r).is_file()]


def real_dev_photos(labels: Path = LABELS, set_dir: Path = SHARED_SET) -> list[Path]:
    """Every evaluation photo found on this machine (a photo not here cannot leak from here)."""
    found = [locate(p.file, set_dir) for p in read_labels(labels)] if labels.is_file() else []
    paths = {p.resolve() for p in found if p is not None}
    paths.update(p.resolve() for p in manifest_files(set_dir))
    return sorted(paths)


def holdout_hashes(photos: Iterable[Path]) -> dict[str, str]:
    """SHA-256 → the evaluation photo with those bytes."""
    return {sha256_file(p): p.name for p in photos}


def real_dev_hashes() -> dict[str, str]:
    """SHA-256 → name of every real-dev evaluation photo present."""
    photos = real_dev_photos()
    logger.debug("%d real-dev photos kept out of training data", len(photos))
    return holdout_hashes(photos)


def holdout_hits(files: Iterable[Path], hashes: Mapping[str, str]) -> list[tuple[Path, str]]:
    """(file, evaluation photo) for each of FILES byte-identical to an evaluation photo."""
    hits = []
    for f in files:
        name = hashes.get(sha256_file(f))
        if name is not None:
            hits.append((f, name))
    return hits


def _split_dirs(doc: object, root: Path) -> list[Path]:
    """The train/val/test folders a data.yaml names (strings or lists, relative to ROOT)."""
    if not isinstance(doc, dict):
        return []
    out: list[Path] = []
    for key in ("train", "val", "test"):
        value = doc.get(key)
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, str):
                out.append(root / entry)
    return out


def dataset_images(data: Path) -> list[Path]:
    """The image files of the YOLO dataset DATA (data.yaml): under its split folders, else
    (no readable splits) under the folder data.yaml is in."""
    try:
        doc = yaml.safe_load(data.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        doc = None  # training reports a bad data.yaml; here only its images matter
    base = doc.get("path") if isinstance(doc, dict) else None
    root = data.parent / base if isinstance(base, str) else data.parent
    dirs = [d for d in _split_dirs(doc, root) if d.is_dir()] or [data.parent]
    found = {p for d in dirs for p in d.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES}
    return sorted(p for p in found if p.is_file())
