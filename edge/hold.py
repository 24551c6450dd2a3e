"""A person only COCO saw, found again between sweeps by his own pixels (pure image maths).

A sweep adds the people our model missed (`edge.verify.missed_people`), but only on its own
frame: our model has no box of such a worker on the frames between sweeps, so the activity
machines, which look at the tracks seen in a frame, saw him one frame in five at 5 detect-fps.
Here the sweep keeps a small grey template of each person it added (`Patch`), and on the
frames after it the template is searched for around where he was (normalised cross-correlation,
`cv2.TM_CCOEFF_NORMED`). A match at least `MATCH` sure is a `person` detection there, with a
score under `tracker.high_score`: it can keep his track seen, never start a track of its own
(ByteTrack's second stage). The template is never updated (no drift onto the background); the
next sweep replaces every patch, so a person COCO no longer sees is no longer held.
"""

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from edge.detect.base import Detection, Image
from edge.geometry import Box

MATCH = 0.75  # correlation of the template with the frame that counts as him, still there
SEARCH = 0.5  # the search reaches this share of his box's size beyond it on every side
SIDE = 48  # templates are scaled so their longer side is at most this (cheap, blur-tolerant)
MIN_STD = 4.0  # a template this flat (grey levels) matches anywhere: it is not kept
MOST = 16  # templates a sweep keeps, COCO's surest first: 0.1-0.35 ms a search, bounded on a crowd
Grey = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Patch:
    """What a sweep saw of one person: his box, his grey template at `scale`, COCO's score."""

    box: Box
    template: Grey
    scale: float  # template pixels per frame pixel
    score: float


def grey(image: Image) -> Grey:
    """IMAGE (BGR or already grey) as one grey channel."""
    if image.ndim == 2:
        return image
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)


def _cut(image: Image, box: Box) -> tuple[Image, int, int] | None:
    """BOX cut from IMAGE (clipped to it) with its top-left corner; None when nothing is left."""
    if not all(math.isfinite(v) for v in box):  # a model's NaN must not stop the camera
        return None
    h, w = image.shape[:2]
    x1, y1 = max(0, round(box[0])), max(0, round(box[1]))
    x2, y2 = min(w, round(box[2])), min(h, round(box[3]))
    if x2 - x1 < 2 or y2 - y1 < 2:
        return None
    return image[y1:y2, x1:x2], x1, y1


def patch(image: Image, det: Detection) -> Patch | None:
    """The template of the person DET on IMAGE; None when too small or too flat to find."""
    cut = _cut(image, det.box)
    if cut is None:
        return None
    crop = grey(cut[0])
    scale = min(1.0, SIDE / max(crop.shape))
    size = (max(2, round(crop.shape[1] * scale)), max(2, round(crop.shape[0] * scale)))
    small = np.asarray(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    if float(small.std()) < MIN_STD:
        return None
    return Patch(det.box, small, scale, det.score)


def find(image: Image, p: Patch, score_cap: float) -> tuple[Detection, Patch] | None:
    """P's person on IMAGE near where he was: a `person` detection (COCO's score, under
    SCORE_CAP) and the patch moved there; None when nothing there matches `MATCH`."""
    x1, y1, x2, y2 = p.box
    dx, dy = SEARCH * (x2 - x1), SEARCH * (y2 - y1)
    cut = _cut(image, (x1 - dx, y1 - dy, x2 + dx, y2 + dy))
    if cut is None:
        return None
    region, left, top = cut
    size = (max(1, round(region.shape[1] * p.scale)), max(1, round(region.shape[0] * p.scale)))
    small = cv2.resize(grey(region), size, interpolation=cv2.INTER_AREA)
    th, tw = p.template.shape[:2]
    if small.shape[0] < th or small.shape[1] < tw:  # he was at the frame's edge: cut off
        return None
    scores = cv2.matchTemplate(small, p.template, cv2.TM_CCOEFF_NORMED)
    _, best, _, (mx, my) = cv2.minMaxLoc(scores)
    if not np.isfinite(best) or best < MATCH:
        return None
    nx, ny = left + mx / p.scale, top + my / p.scale
    box = (nx, ny, nx + (x2 - x1), ny + (y2 - y1))
    det = Detection("person", min(p.score, score_cap), box)
    return det, Patch(box, p.template, p.scale, p.score)
