"""Parsed labels → our dataset layout (YOLO: images/{train,val}, labels/{train,val}, data.yaml).

Class names are mapped onto the model's classes (`--map worker=person`; our own names pass as
they are, any case); boxes of other classes are dropped and counted. The split is a hash of the
image name, so a re-import puts every image where it was before.
"""

import hashlib
import logging
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from agrisafe.files import atomic_write
from agrisafe_models import CLASS_NAMES
from agrisafe_models.labels.parse import Box, ImageLabels, LabelError, parse_yolo

logger = logging.getLogger(__name__)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


@dataclass
class ImportSummary:
    """What an import did."""

    images: int = 0
    boxes: int = 0
    per_class: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)  # unmapped class → boxes
    missing_images: list[str] = field(default_factory=list)
    splits: dict[str, int] = field(default_factory=dict)


def parse_mapping(pairs: Iterable[str]) -> dict[str, str]:
    """`from=to` pairs (CLI `--map`) → lower-case source name → one of our classes."""
    out: dict[str, str] = {}
    for pair in pairs:
        src, sep, dst = pair.partition("=")
        if not sep or not src.strip() or dst.strip() not in CLASS_NAMES:
            raise LabelError(f"--map {pair!r}: expected NAME=CLASS, CLASS one of {CLASS_NAMES}")
        out[src.strip().lower()] = dst.strip()
    return out


def our_class(label: str, mapping: Mapping[str, str]) -> str | None:
    """The model class a label stands for, or None (dropped)."""
    key = label.strip().lower()
    if key in mapping:
        return mapping[key]
    return key if key in CLASS_NAMES else None


def split_of(image: str, val_share: float) -> str:
    """`val` for a stable `val_share` of image names, else `train`."""
    h = int.from_bytes(hashlib.sha256(image.encode()).digest()[:4], "big") / 2**32
    return "val" if h < val_share else "train"


def yolo_line(cls: int, b: Box) -> str:
    """One label line."""
    cx, cy = (b.x1 + b.x2) / 2, (b.y1 + b.y2) / 2
    return f"{cls} {cx:.6f} {cy:.6f} {b.x2 - b.x1:.6f} {b.y2 - b.y1:.6f}"


def index_images(root: Path) -> dict[str, Path]:
    """Image base name → file under ROOT (the first found when names repeat)."""
    found: dict[str, Path] = {}
    for p in sorted(root.rglob("*")):
        if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file():
            found.setdefault(p.name, p)
    return found


def write_dataset(
    items: Sequence[ImageLabels],
    images: Path,
    out: Path,
    mapping: Mapping[str, str],
    *,
    val_share: float = 0.2,
) -> ImportSummary:
    """Copy each labelled image and write its label file; data.yaml last (a complete dataset)."""
    files = index_images(images)
    s = ImportSummary()
    for item in items:
        src = files.get(item.image)
        if src is None:
            s.missing_images.append(item.image)
            continue
        lines: list[str] = []
        for b in item.boxes:
            cls = our_class(b.label, mapping)
            if cls is None:
                s.dropped[b.label] = s.dropped.get(b.label, 0) + 1
                continue
            s.per_class[cls] = s.per_class.get(cls, 0) + 1
            lines.append(yolo_line(CLASS_NAMES.index(cls), b))
        split = split_of(item.image, val_share)
        (out / "images" / split).mkdir(parents=True, exist_ok=True)
        (out / "labels" / split).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, out / "images" / split / src.name)
        text = "\n".join(lines) + ("\n" if lines else "")
        atomic_write(out / "labels" / split / (Path(src.name).stem + ".txt"), text.encode())
        s.images += 1
        s.boxes += len(lines)
        s.splits[split] = s.splits.get(split, 0) + 1
    data = {
        "path": str(out.resolve()),
        "train": "images/train",
        "val": "images/val",
        "names": dict(enumerate(CLASS_NAMES)),
    }
    atomic_write(out / "data.yaml", yaml.safe_dump(data, sort_keys=False).encode())
    return s


def read_yolo_export(root: Path) -> list[ImageLabels]:
    """A YOLO export folder: label .txt files and the class names (data.yaml or classes.txt)."""
    names = yolo_names(root)
    out: list[ImageLabels] = []
    images = index_images(root)
    by_stem = {Path(n).stem: n for n in images}
    for txt in sorted(root.rglob("*.txt")):
        if txt.name in ("classes.txt", "obj.names") or txt.stat().st_size > 16 << 20:
            continue
        image = by_stem.get(txt.stem, txt.stem + ".jpg")
        try:
            text = txt.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise LabelError(f"{txt}: not UTF-8 text") from err
        out.append(parse_yolo(image, text, names))
    return out


def yolo_names(root: Path) -> list[str]:
    """Class names of a YOLO export: data.yaml `names` (list or id map), classes.txt, obj.names."""
    for name in ("data.yaml", "dataset.yaml"):
        path = root / name
        if path.is_file():
            try:
                doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (yaml.YAMLError, UnicodeDecodeError) as err:
                raise LabelError(f"{path}: not YAML: {err}") from err
            names = doc.get("names") if isinstance(doc, dict) else None
            if isinstance(names, dict):
                try:
                    names = [names[k] for k in sorted(names, key=int)]
                except (TypeError, ValueError, KeyError) as err:
                    raise LabelError(f"{path}: names must map 0, 1, … to class names") from err
            if isinstance(names, list) and all(isinstance(n, str) for n in names):
                return names
            raise LabelError(f"{path}: no list of class names under `names`")
    for name in ("classes.txt", "obj.names"):
        path = root / name
        if path.is_file():
            return [n.strip() for n in path.read_text(encoding="utf-8").splitlines() if n.strip()]
    raise LabelError(f"{root}: no data.yaml, classes.txt or obj.names with the class names")
