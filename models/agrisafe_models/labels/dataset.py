"""Parsed labels → our dataset layout (YOLO: images/{train,val}, labels/{train,val}, data.yaml).

Class names are mapped onto the model's classes (`--map worker=person`; our own names pass as
they are, any case); boxes of other classes are dropped and counted. An entry's image is found
by its name and the folders the export gives (`match.py`); names two images share get a short
hash of their path. The split is a hash of the output name, so a re-import puts every image
where it was before. Links are refused, and evaluation photos dropped (`holdout.py`).
"""

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from agrisafe.files import atomic_write
from agrisafe_models import CLASS_NAMES
from agrisafe_models.labels.match import Parts, output_names, pick_image, stem_of, yolo_image_dirs
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
    # source path → name in the dataset, where another image had the same name
    renamed: dict[str, str] = field(default_factory=dict)
    refused_files: list[str] = field(default_factory=list)  # links, not regular files
    evaluation_photos: list[str] = field(default_factory=list)  # real-dev photos, dropped


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


@dataclass(frozen=True)
class ImageIndex:
    """The image files under a folder, by base name, and the entries refused as images."""

    root: Path
    by_name: dict[str, list[Parts]]
    refused: list[str]  # links and other non-regular files with an image's name: never read

    def by_stem(self) -> dict[str, list[Parts]]:
        """Stem ('a' of a.jpg, a.png) → the images of that stem, as a YOLO label names them."""
        out: dict[str, list[Parts]] = {}
        for name, paths in self.by_name.items():
            out.setdefault(stem_of(name), []).extend(paths)
        return out


def index_images(root: Path) -> ImageIndex:
    """Every image file under ROOT. A symlink is refused, not followed: `x.jpg -> secret.txt`
    would otherwise copy any file the importing user can read into the dataset."""
    by_name: dict[str, list[Parts]] = {}
    refused: list[str] = []
    for p in sorted(root.rglob("*")):
        if p.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        rel = p.relative_to(root).parts
        if p.is_symlink() or not (p.is_file() or p.is_dir()):
            refused.append("/".join(rel))
            logger.warning("%s: a link or not a regular file: not imported", p)
        elif p.is_file():
            by_name.setdefault(p.name, []).append(rel)
    return ImageIndex(root, by_name, refused)


def locate_items(
    items: Sequence[ImageLabels], index: ImageIndex, missing: list[str]
) -> list[tuple[ImageLabels, Parts]]:
    """Each entry with its image file (by the folders the export gives; entries whose image
    is not there go to MISSING). One file named by two entries is refused: whichever were
    written last would silently hold the other's labels."""
    out: list[tuple[ImageLabels, Parts]] = []
    seen: dict[Parts, str] = {}
    for item in items:
        entry = item.path or item.image
        wanted = tuple(item.path.split("/")[:-1]) if item.path else ()
        found = pick_image(wanted, index.by_name.get(item.image, []), entry)
        if found is None:
            missing.append(entry)
            continue
        if found in seen:
            raise LabelError(f"{seen[found]} and {entry}: both are the image {'/'.join(found)}")
        seen[found] = entry
        out.append((item, found))
    return out


def label_text(item: ImageLabels, mapping: Mapping[str, str], s: ImportSummary) -> str:
    """The YOLO label file of one image (classes mapped; the others counted as dropped)."""
    lines: list[str] = []
    for b in item.boxes:
        cls = our_class(b.label, mapping)
        if cls is None:
            s.dropped[b.label] = s.dropped.get(b.label, 0) + 1
            continue
        s.per_class[cls] = s.per_class.get(cls, 0) + 1
        lines.append(yolo_line(CLASS_NAMES.index(cls), b))
    s.boxes += len(lines)
    return "\n".join(lines) + ("\n" if lines else "")


def write_dataset(
    items: Sequence[ImageLabels],
    images: Path,
    out: Path,
    mapping: Mapping[str, str],
    *,
    val_share: float = 0.2,
    holdout: Mapping[str, str] | None = None,
) -> ImportSummary:
    """Copy each labelled image and write its label file; data.yaml last (a complete dataset).
    An image byte-identical to an evaluation photo (HOLDOUT: SHA-256 → its name) is dropped."""
    index = index_images(images)
    s = ImportSummary(refused_files=list(index.refused))
    found = locate_items(items, index, s.missing_images)
    names = output_names([parts for _, parts in found])
    for item, parts in found:
        data = (images.joinpath(*parts)).read_bytes()  # hashed and copied: the same bytes
        photo = (holdout or {}).get(hashlib.sha256(data).hexdigest())
        if photo is not None:
            s.evaluation_photos.append(f"{'/'.join(parts)} = {photo}")
            logger.warning("%s is the evaluation photo %s: not imported", parts[-1], photo)
            continue
        name = names[parts]
        if name != parts[-1]:
            s.renamed["/".join(parts)] = name
        text = label_text(item, mapping, s)
        split = split_of(name, val_share)
        (out / "images" / split).mkdir(parents=True, exist_ok=True)
        (out / "labels" / split).mkdir(parents=True, exist_ok=True)
        atomic_write(out / "images" / split / name, data)
        atomic_write(out / "labels" / split / (stem_of(name) + ".txt"), text.encode())
        s.images += 1
        s.splits[split] = s.splits.get(split, 0) + 1
    data_yaml = {
        "path": str(out.resolve()),
        "train": "images/train",
        "val": "images/val",
        "names": dict(enumerate(CLASS_NAMES)),
    }
    atomic_write(out / "data.yaml", yaml.safe_dump(data_yaml, sort_keys=False).encode())
    return s


def read_yolo_export(root: Path) -> list[ImageLabels]:
    """A YOLO export folder: label .txt files and the class names (data.yaml or classes.txt).
    A label file's image is the one of its stem in the matching `images/` folder."""
    names = yolo_names(root)
    out: list[ImageLabels] = []
    by_stem = index_images(root).by_stem()
    for txt in sorted(root.rglob("*.txt")):
        if txt.name in ("classes.txt", "obj.names") or txt.stat().st_size > 16 << 20:
            continue
        rel = txt.relative_to(root).parts
        dirs = yolo_image_dirs(rel)
        found = pick_image(dirs, by_stem.get(txt.stem, []), "/".join(rel))
        image = "/".join(found or (*dirs, txt.stem + ".jpg"))
        try:
            text = txt.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise LabelError(f"{txt}: not UTF-8 text") from err
        out.append(parse_yolo(image, text, names))
    return out


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise LabelError(f"{path}: not YAML: {err}") from err
    except RecursionError as err:  # PyYAML recurses once per nesting level
        raise LabelError(f"{path}: not YAML: nested too deep") from err


def yolo_names(root: Path) -> list[str]:
    """Class names of a YOLO export: data.yaml `names` (list or id map), classes.txt, obj.names."""
    for name in ("data.yaml", "dataset.yaml"):
        path = root / name
        if path.is_file():
            doc = _read_yaml(path)
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
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as err:
                raise LabelError(f"{path}: not UTF-8 text") from err
            return [n.strip() for n in text.splitlines() if n.strip()]
    raise LabelError(f"{root}: no data.yaml, classes.txt or obj.names with the class names")
