"""A real photo with what the evaluation decided drawn on it, for a person to check the numbers.

`eval-real --draw DIR` writes one JPEG per photo: each labelled person green when a detection
took his box, yellow when one only lies on him (a head, a torso), red when missed, grey when
`difficult`; `person` detections on nobody orange; the other classes thin blue with their
label, spraying cues magenta. A reviewer sees at a glance which figure is which error.
"""

import re
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from edge.detect.base import Detection
from edge.geometry import Box

from .people import PersonBox, matches

# BGR
FOUND, ON_PERSON, MISSED, DIFFICULT = (0, 200, 0), (0, 220, 255), (0, 0, 255), (160, 160, 160)
FALSE, OTHER, CUE = (0, 140, 255), (255, 120, 0), (255, 0, 255)


def _rect(image: np.ndarray, box: Box, colour: tuple[int, int, int], width: int) -> None:
    x1, y1, x2, y2 = (round(v) for v in box)
    cv2.rectangle(image, (x1, y1), (x2, y2), colour, width)


def _text(image: np.ndarray, box: Box, text: str, colour: tuple[int, int, int]) -> None:
    x, y = int(box[0]), max(12, int(box[1]) - 3)
    scale = max(0.4, image.shape[0] / 1800)
    cv2.putText(image, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv2.LINE_AA)


def draw_photo(
    image: np.ndarray,
    dets: Sequence[Detection],
    truth: Sequence[PersonBox] | None,
    cues: Sequence[Detection] = (),
) -> np.ndarray:
    """A copy of IMAGE with the labelled people and the detections drawn as the module says."""
    out = image.copy()
    width = max(2, out.shape[0] // 400)
    for d in dets:
        if d.label != "person":
            colour = CUE if any(d is c for c in cues) else OTHER
            _rect(out, d.box, colour, max(1, width // 2))
            _text(out, d.box, f"{d.label} {d.score:.2f}", colour)
    if truth is None:  # no boxes for this photo: the people detections as they are
        for d in dets:
            if d.label == "person":
                _rect(out, d.box, OTHER, width)
        return out
    m = matches(dets, truth)
    for i, t in enumerate(truth):
        if t.difficult:
            colour = DIFFICULT
        elif i in m.found:
            colour = FOUND
        else:
            colour = ON_PERSON if i in m.on_person else MISSED
        _rect(out, t.box, colour, width)
    for i in m.false:
        _rect(out, m.people[i].box, FALSE, width)
        _text(out, m.people[i].box, f"false person {m.people[i].score:.2f}", FALSE)
    return out


def drawing_name(file: str) -> str:
    """A flat, safe file name for a labels row (`pkg:ultralytics/assets/bus.jpg` →
    `pkg_ultralytics_assets_bus.jpg`)."""
    stem = file.rsplit(".", 1)[0] if "." in file.rsplit("/", 1)[-1] else file
    return re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_") + ".jpg"


def write_drawing(folder: Path, file: str, picture: np.ndarray) -> Path:
    """Write PICTURE as FOLDER/<safe name of FILE>.jpg; the path written."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / drawing_name(file)
    if not cv2.imwrite(str(path), picture, [cv2.IMWRITE_JPEG_QUALITY, 85]):
        raise OSError(f"{path}: could not write the drawing")
    return path
