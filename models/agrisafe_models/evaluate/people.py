"""People in the real photos, boxed by hand: which `person` detections are real people, by size.

A count per photo (`labels.csv` `people`) cannot tell a found worker from a false person beside a
missed one, nor a tile's second box on the same man from his neighbour: `people-boxes.csv` boxes
each person (pixels of the photo as read), and matching is one-to-one as in PASCAL VOC: each
`person` detection, surest first, takes the labelled box it overlaps most; at IoU ≥ MATCH_IOU and
not already taken it is a person found. A second, lenient match counts a detection lying mostly
inside a person's box (his head, his torso) as on that person; a detection on nobody is a false
person, and so is a second one on a person already taken (a tile's double). A `difficult`
box (blurred beyond recognition by the photo's author, or a figure that may be a sheaf) is
neither: a detection on it is not counted, and missing it is not a miss.

Recall is also given by the person's height in a 1080-line frame, the issue's scale for a pole
camera (people 30–120 px tall): `<30` is below what the product is designed to see.
"""

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.detect.base import Detection
from edge.geometry import Box, inside, iou

BOXES = Path(__file__).resolve().parents[2] / "real-dev" / "people-boxes.csv"
# 0.5 is VOC's IoU; a hand box on a 10 px far worker is a pixel or two off, which it still allows.
# The lenient match uses the same number as a share of the detection inside the person's box.
MATCH_IOU = 0.5
LINES = 1080  # heights are reported as in a 1080p frame
BANDS = ((30.0, "<30"), (120.0, "30-120"), (float("inf"), ">=120"))
_TALLY = ("of", "found", "on_person")


@dataclass(frozen=True, slots=True)
class PersonBox:
    """One labelled person: the box and whether it is too unclear to count either way."""

    box: Box
    difficult: bool


def read_boxes(path: Path = BOXES) -> dict[str, list[PersonBox]]:
    """The boxes CSV (file, x1, y1, x2, y2, difficult, note) by photo; a bad row names its line."""
    out: dict[str, list[PersonBox]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            try:
                x1, y1, x2, y2 = (float(row[k]) for k in ("x1", "y1", "x2", "y2"))
                finite = all(map(math.isfinite, (x1, y1, x2, y2)))
                ordered = finite and 0 <= x1 < x2 and 0 <= y1 < y2
                if not ordered or row["difficult"] not in ("0", "1"):
                    raise ValueError("want finite 0 <= x1 < x2, 0 <= y1 < y2; difficult 0 or 1")
                box = PersonBox((x1, y1, x2, y2), row["difficult"] == "1")
            except (KeyError, ValueError, TypeError) as err:
                raise ValueError(f"{path}:{n}: bad row ({err})") from err
            out.setdefault(row["file"], []).append(box)
    return out


def band(box: Box, image_height: int) -> str:
    """The height band of a person's box, in pixels of a 1080-line frame."""
    height = (box[3] - box[1]) * LINES / image_height
    return next(name for top, name in BANDS if height < top)


def _match(
    people: Sequence[Detection], truth: Sequence[PersonBox], overlap: Callable[[Box, Box], float]
) -> tuple[dict[int, int], list[int]]:
    """One to one, surest first: {detection: labelled person taken}, and the detections on
    nobody (indices into PEOPLE); a detection on a difficult person is in neither."""
    taken: dict[int, int] = {}
    false: list[int] = []
    for di, det in enumerate(people):
        shares = [overlap(det.box, t.box) for t in truth]
        best = max(range(len(truth)), key=shares.__getitem__, default=None)
        if best is None or shares[best] < MATCH_IOU or best in taken.values():
            false.append(di)
        elif not truth[best].difficult:
            taken[di] = best
    return taken, false


@dataclass(frozen=True, slots=True)
class Matches:
    """Which labelled people were found (IoU) or only covered, and which detections are false."""

    people: list[Detection]  # the `person` detections, surest first
    found: set[int]  # labelled people whose box a detection took (IoU ≥ MATCH_IOU)
    on_person: set[int]  # labelled people a detection lies mostly inside
    false: list[int]  # detections (indices into `people`) on nobody, doubles included


def matches(dets: Sequence[Detection], truth: Sequence[PersonBox]) -> Matches:
    """`person` detections against the labelled people, both ways (see the module's doc)."""
    people = sorted((d for d in dets if d.label == "person"), key=lambda d: -d.score)
    found, _ = _match(people, truth, iou)
    on_person, false = _match(people, truth, inside)
    return Matches(people, set(found.values()), set(on_person.values()), false)


def match_people(
    dets: Sequence[Detection], truth: Sequence[PersonBox], image_height: int
) -> dict[str, Any]:
    """`person` detections against the labelled people, two ways: `found` at IoU ≥ MATCH_IOU
    (the box is the person's: its foot is where the edge places him on a plot) and `on_person`
    with at least half the detection inside the person's box (a box on his head or torso still
    names a real person); `false` are detections on nobody, the lenient way."""
    m = matches(dets, truth)
    by_height: dict[str, dict[str, int]] = {}
    for i, t in enumerate(truth):
        if not t.difficult:
            tally = by_height.setdefault(band(t.box, image_height), dict.fromkeys(_TALLY, 0))
            tally["of"] += 1
            tally["found"] += i in m.found
            tally["on_person"] += i in m.on_person
    return {
        "boxed": sum(not t.difficult for t in truth),
        "found": len(m.found),
        "on_person": len(m.on_person),
        "false": len(m.false),
        "by_height": by_height,
    }


def summarise_people(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Box-matched totals over the rows that were matched: recall both ways, overall and by
    height, and false persons on photos with people in them."""
    matched = [r["boxes"] for r in rows if r.get("boxes") is not None]
    boxed = sum(m["boxed"] for m in matched)
    if not boxed:
        return {}
    by_height: dict[str, dict[str, int]] = {}
    for m in matched:
        for name, tally in m["by_height"].items():
            total = by_height.setdefault(name, dict.fromkeys(_TALLY, 0))
            for k in _TALLY:
                total[k] += tally[k]
    return {
        "people_boxed": boxed,
        "person_recall_boxes": round(sum(m["found"] for m in matched) / boxed, 3),
        "person_recall_on_person": round(sum(m["on_person"] for m in matched) / boxed, 3),
        "person_recall_by_height_1080p": {
            name: by_height[name] for _, name in BANDS if name in by_height
        },
        "false_persons_on_people_photos": sum(m["false"] for m in matched),
    }
