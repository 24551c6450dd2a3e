"""Annotation exports → one shape (pure): YOLO, COCO JSON, CVAT for images (XML), Label Studio.

Every parser takes the export's bytes/text and returns `ImageLabels` (an image's file name, the
path the export gives for it, and its boxes, normalised to [0, 1] and clipped); anything
malformed raises `LabelError` naming the entry — never another exception, never a half-read
export. XML with a DTD or entities is refused (entity expansion bombs), as are inputs over
`MAX_BYTES`.
"""

import json
import math
import xml.parsers.expat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

MAX_BYTES = 256 << 20


class LabelError(ValueError):
    """An export that cannot be read: which entry, and why."""


@dataclass(frozen=True, slots=True)
class Box:
    """One labelled box: class name and normalised corners (x1, y1, x2, y2) in [0, 1]."""

    label: str
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True, slots=True)
class ImageLabels:
    """An image (its base name), its boxes, and the path the export gives for it."""

    image: str
    boxes: tuple[Box, ...]
    # the export's path ('day1/frame_0001.jpg'): two images of one name in different folders
    # are told apart by it (dataset.py); '' when the export gives a bare name
    path: str = ""


def _num(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise LabelError(f"{where}: not a number: {value!r:.40}")
    try:
        out = float(value)
    except OverflowError as err:  # a JSON integer of hundreds of digits: no float holds it
        raise LabelError(f"{where}: not a finite number") from err
    except ValueError as err:
        raise LabelError(f"{where}: not a number: {value!r:.40}") from err
    if not math.isfinite(out):
        raise LabelError(f"{where}: not a finite number")
    return out


def _clip(v: float) -> float:
    return min(1.0, max(0.0, v))


def box(label: object, x1: float, y1: float, x2: float, y2: float, where: str) -> Box | None:
    """A normalised box, clipped to the image; None when nothing of it is inside."""
    if not isinstance(label, str) or not label.strip():
        raise LabelError(f"{where}: no class name")
    if x2 < x1 or y2 < y1:
        raise LabelError(f"{where}: box has negative size")
    c = (_clip(x1), _clip(y1), _clip(x2), _clip(y2))
    if c[2] - c[0] <= 0 or c[3] - c[1] <= 0:
        return None
    return Box(label.strip(), *c)


def base_name(path: object, where: str) -> str:
    """The file name of an image path or URL (Label Studio prefixes, Windows paths …)."""
    if not isinstance(path, str) or not path.strip():
        raise LabelError(f"{where}: no image file name")
    name = PureWindowsPath(PurePosixPath(path.split("?")[0]).name).name
    if name in ("", ".", ".."):
        raise LabelError(f"{where}: no image file name in {path!r:.60}")
    return name


def export_path(path: str) -> str:
    """The export's image path with '/' separators, less URL query, drive, '.' and '..' parts:
    only its trailing folders matter (they tell same-named images apart), never where it points."""
    parts = path.split("?")[0].replace("\\", "/").split("/")
    if parts and parts[0].endswith(":"):  # C:, http:
        parts = parts[1:]
    return "/".join(p for p in parts if p not in ("", ".", ".."))


def _json(data: bytes | str, what: str) -> Any:
    if len(data) > MAX_BYTES:
        raise LabelError(f"{what}: over {MAX_BYTES >> 20} MiB")
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as err:
        raise LabelError(f"{what}: not JSON: {err}") from err


def parse_yolo(image: str, text: str, names: Sequence[str]) -> ImageLabels:
    """One YOLO label file (`class cx cy w h` per line, normalised) with its class names."""
    boxes: list[Box] = []
    for n, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        where = f"{image}: line {n}"
        if len(parts) != 5:
            raise LabelError(f"{where}: expected 5 numbers, got {len(parts)}")
        cls = _num(parts[0], where)
        if not cls.is_integer() or not 0 <= cls < len(names):
            raise LabelError(f"{where}: class {parts[0]!r:.20} not in the {len(names)} names")
        cx, cy, w, h = (_num(p, where) for p in parts[1:])
        b = box(names[int(cls)], cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, where)
        if b is not None:
            boxes.append(b)
    return ImageLabels(base_name(image, image), tuple(boxes), export_path(image))


def _field(obj: object, key: str, where: str) -> Any:
    if not isinstance(obj, Mapping) or key not in obj:
        raise LabelError(f"{where}: missing {key!r}")
    return obj[key]


def _list(obj: object, where: str) -> list[Any]:
    if not isinstance(obj, list):
        raise LabelError(f"{where}: expected a list")
    return obj


def _size(w: object, h: object, where: str) -> tuple[float, float]:
    width, height = _num(w, where), _num(h, where)
    if width <= 0 or height <= 0:
        raise LabelError(f"{where}: image size must be positive")
    return width, height


def parse_coco(data: bytes | str) -> list[ImageLabels]:
    """A COCO detection JSON (`images`, `annotations` with `bbox` [x, y, w, h], `categories`)."""
    doc = _json(data, "COCO")
    cats: dict[object, str] = {}
    for i, c in enumerate(_list(_field(doc, "categories", "COCO"), "categories")):
        where = f"categories[{i}]"
        cats[_hashable(_field(c, "id", where), where)] = _field(c, "name", where)
    images: dict[object, tuple[str, float, float]] = {}
    paths: dict[object, str] = {}
    for i, im in enumerate(_list(_field(doc, "images", "COCO"), "images")):
        where = f"images[{i}]"
        size = _size(_field(im, "width", where), _field(im, "height", where), where)
        key = _hashable(_field(im, "id", where), where)
        file_name = _field(im, "file_name", where)
        images[key] = (base_name(file_name, where), *size)
        paths[key] = export_path(file_name)
    boxes: dict[object, list[Box]] = {k: [] for k in images}
    for i, a in enumerate(_list(_field(doc, "annotations", "COCO"), "annotations")):
        where = f"annotations[{i}]"
        key = _hashable(_field(a, "image_id", where), where)
        cat = _hashable(_field(a, "category_id", where), where)
        if key not in images or cat not in cats:
            raise LabelError(f"{where}: unknown image_id or category_id")
        bb = _list(_field(a, "bbox", where), where)
        if len(bb) != 4:
            raise LabelError(f"{where}: bbox needs 4 numbers")
        x, y, w, h = (_num(v, where) for v in bb)
        _, iw, ih = images[key]
        b = box(cats[cat], x / iw, y / ih, (x + w) / iw, (y + h) / ih, where)
        if b is not None:
            boxes[key].append(b)
    return [ImageLabels(name, tuple(boxes[k]), paths[k]) for k, (name, _, _) in images.items()]


def _hashable(value: object, where: str) -> object:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise LabelError(f"{where}: id must be an integer or a string")
    return value


def parse_label_studio(data: bytes | str) -> list[ImageLabels]:
    """A Label Studio JSON export: tasks with `data.image` and rectangle results in percent."""
    tasks = _json(data, "Label Studio")
    out: list[ImageLabels] = []
    for i, task in enumerate(_list(tasks, "Label Studio")):
        where = f"task[{i}]"
        given = _field(_field(task, "data", where), "image", where)
        image = base_name(given, where)
        boxes: list[Box] = []
        anns = task.get("annotations", []) if isinstance(task, Mapping) else []
        for j, ann in enumerate(_list(anns, where)):
            results = _list(_field(ann, "result", f"{where}.annotations[{j}]"), where)
            for k, r in enumerate(results):
                w = f"{where}.annotations[{j}].result[{k}]"
                if not isinstance(r, Mapping) or r.get("type") != "rectanglelabels":
                    continue  # other tools (polygons, choices) are not boxes
                v = _field(r, "value", w)
                labels = _list(_field(v, "rectanglelabels", w), w)
                x, y = _num(_field(v, "x", w), w) / 100, _num(_field(v, "y", w), w) / 100
                bw, bh = _num(_field(v, "width", w), w) / 100, _num(_field(v, "height", w), w) / 100
                for label in labels:
                    b = box(label, x, y, x + bw, y + bh, w)
                    if b is not None:
                        boxes.append(b)
        out.append(ImageLabels(image, tuple(boxes), export_path(given)))
    return out


class _CvatReader:
    """expat handlers collecting `<image>` elements and their `<box>` children."""

    def __init__(self) -> None:
        self.out: list[ImageLabels] = []
        self.current: tuple[str, float, float, list[Box]] | None = None
        self.path = ""

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "image":
            where = f"image {attrs.get('name', '?')!r:.60}"
            w, h = _size(attrs.get("width"), attrs.get("height"), where)
            self.current = (base_name(attrs.get("name"), where), w, h, [])
            self.path = export_path(attrs["name"])
        elif tag == "box":
            if self.current is None:
                raise LabelError("CVAT: <box> outside an <image>")
            name, w, h, boxes = self.current
            where = f"image {name!r}: box"
            x1, y1, x2, y2 = (_num(attrs.get(k), where) for k in ("xtl", "ytl", "xbr", "ybr"))
            b = box(attrs.get("label"), x1 / w, y1 / h, x2 / w, y2 / h, where)
            if b is not None:
                boxes.append(b)

    def end(self, tag: str) -> None:
        if tag == "image" and self.current is not None:
            self.out.append(ImageLabels(self.current[0], tuple(self.current[3]), self.path))
            self.current = None


def _refuse_dtd(*_args: object) -> None:
    raise LabelError("CVAT: XML with a DTD or entities is refused")


def parse_cvat(data: bytes | str) -> list[ImageLabels]:
    """CVAT for images 1.1 XML: `<image name width height>` with `<box label xtl ytl xbr ybr>`."""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    if len(raw) > MAX_BYTES:
        raise LabelError(f"CVAT: over {MAX_BYTES >> 20} MiB")
    reader = _CvatReader()
    p = xml.parsers.expat.ParserCreate()
    p.StartDoctypeDeclHandler = _refuse_dtd
    p.EntityDeclHandler = _refuse_dtd
    p.StartElementHandler = reader.start
    p.EndElementHandler = reader.end
    try:
        p.Parse(raw, True)
    except xml.parsers.expat.ExpatError as err:
        raise LabelError(f"CVAT: not XML: {err}") from err
    return reader.out
