"""Real-photo evaluation: spraying cues, `person` recall and people called livestock/drone.

The set is a labels CSV (`models/real-dev/labels.csv`: file, label, people, licence, notes) over
a folder of photos (`../shared/real-dev`) plus photos shipped inside installed packages
(`pkg:ultralytics/assets/bus.jpg`) and photos kept in this repository (`repo:photos/…`,
sources in `models/real-dev/SOURCES.md`), located at run time. Person ground truth is a count per
photo (`person` recall counts min(found, people) / people) and, where the photo's people are
boxed by hand (`people-boxes.csv`, `evaluate.people`), box-matched recall by height and the
false persons beside them.
"""

import csv
import importlib.util
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from edge.detect.base import Detection, Detector
from edge.detect.verifier import Verifier
from edge.geometry import Box, inside
from edge.params import TrackerParams, VerifierParams
from edge.verify import cue_boxes, fuse_people, needs_look, relabel_crops, verify

from .draw import draw_photo, write_drawing
from .people import PersonBox, match_people, summarise_people

LABELS = Path(__file__).resolve().parents[2] / "real-dev" / "labels.csv"
# a `person` at least this sure starts a track at the edge (`tracker.high_score`); weaker ones
# only extend tracks, so a false one of them alone never reaches the activity machines
TRACK_SCORE = TrackerParams().high_score
PERSON_AS = ("livestock", "drone")


@dataclass(frozen=True, slots=True)
class Photo:
    """One labelled photo: where it is, spraying / no_spraying / ambiguous, people visible."""

    file: str
    label: str
    people: int
    licence: str


def read_labels(path: Path = LABELS) -> list[Photo]:
    """The labels CSV as photos (a bad row names its line)."""
    out: list[Photo] = []
    with path.open(newline="", encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            try:
                out.append(Photo(row["file"], row["label"], int(row["people"]), row["licence"]))
            except (KeyError, ValueError, TypeError) as err:
                raise ValueError(f"{path}:{n}: bad row ({err})") from err
    return out


def locate(file: str, set_dir: Path | None) -> Path | None:
    """The photo's path: `pkg:NAME/rel` inside an installed package, `repo:rel` in this
    repository's `models/real-dev/` (photos the project keeps itself), else under SET_DIR."""
    if file.startswith("repo:"):
        root = LABELS.parent.resolve()
        path = (root / file[5:]).resolve()
        if not path.is_relative_to(root):  # a labels row may not reach outside the folder
            return None
    elif file.startswith("pkg:"):
        package, _, rel = file[4:].partition("/")
        spec = importlib.util.find_spec(package)  # no import: ultralytics is slow to import
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(next(iter(spec.submodule_search_locations))) / rel
    elif set_dir is None:
        return None
    else:
        path = set_dir / file
    return path if path.is_file() else None


def read_photo(path: Path) -> np.ndarray:
    """The photo at PATH as BGR pixels; ValueError when it is not a readable image."""
    raw = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if raw is None:
        raise ValueError(f"{path}: not a readable image")
    return np.asarray(raw, dtype=np.uint8)


def person_as_other(dets: Sequence[Detection], people: Sequence[Box], share: float) -> int:
    """Our livestock/drone boxes lying inside a person's box (a person misnamed)."""
    return sum(
        1 for d in dets if d.label in PERSON_AS and any(inside(d.box, b) >= share for b in people)
    )


@dataclass(frozen=True, slots=True)
class Scorer:
    """What scores a photo: the model, an optional reference (COCO) and the verifier's use of it."""

    detector: Detector
    reference: Verifier | None = None
    use_verifier: bool = False
    params: VerifierParams = field(default_factory=VerifierParams)
    draw: Path | None = None  # write each photo with the decisions drawn here (evaluate.draw)


def score_photo(
    photo: Photo, path: Path, s: Scorer, truth: Sequence[PersonBox] | None = None
) -> dict[str, Any]:
    """One photo's detections → its row of the report; TRUTH, the photo's people boxed by hand,
    matches them one to one and names a misnamed person by the labelled box, not COCO's."""
    image = read_photo(path)
    dets = s.detector.detect(image)
    sweep = s.use_verifier and s.params.sweep_s > 0  # a still is a first frame: a sweep is due
    # one look, as the edge's (edge.looks): also on a crop around each livestock/drone box,
    # where a person our model misnamed is seen closer
    boxes = [d.box for d in dets if d.label in s.params.relabel] if s.use_verifier else []
    crops = relabel_crops(boxes, image.shape[1], image.shape[0], s.params)
    refs = s.reference.reference(image, sweep, crops) if s.reference is not None else []
    abstained = False
    added = widened = 0
    if sweep:
        fused = fuse_people(dets, refs, s.params)
        dets, added, widened = fused.dets, fused.added, fused.widened
    if s.use_verifier and s.reference is not None and needs_look(dets, s.params):
        dets, verdict = verify(dets, refs, s.params)
        abstained = not verdict.supported
    has_cues = {"spray_plume", "backpack_sprayer"} & set(s.detector.info.names)
    cues = cue_boxes(dets, s.params) if has_cues else []
    if s.draw is not None:
        write_drawing(s.draw, photo.file, draw_photo(image, dets, truth, cues))
    found = sum(1 for d in dets if d.label == "person")
    tracked = sum(1 for d in dets if d.label == "person" and d.score >= TRACK_SCORE)
    counts: dict[str, int] = {}
    for d in dets:
        counts[d.label] = counts.get(d.label, 0) + 1
    if truth is not None:
        misnamed: int | None = person_as_other(dets, [t.box for t in truth], s.params.relabel_cover)
    elif refs:
        people = [r.box for r in refs if r.label == "person"]
        misnamed = person_as_other(dets, people, s.params.relabel_cover)
    else:
        misnamed = None
    return {
        "file": photo.file,
        "label": photo.label,
        "people": photo.people,
        "persons_found": found,
        "persons_matched": min(found, photo.people),
        "persons_tracked": tracked,
        "cue": bool(cues) if has_cues else None,
        "abstained": abstained,
        "people_added": added,
        "people_widened": widened,
        "person_as_other": misnamed,
        "boxes": match_people(dets, truth, image.shape[0]) if truth is not None else None,
        "detections": counts,
    }


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Totals over the rows: cue recall / false-cue rate, person recall, people misnamed, and
    `person` reported on photos of nobody (any, and sure enough to start a track)."""
    pos = [r for r in rows if r["label"] == "spraying" and r["cue"] is not None]
    neg = [r for r in rows if r["label"] == "no_spraying" and r["cue"] is not None]
    amb = [r for r in rows if r["label"] == "ambiguous" and r["cue"] is not None]
    ppl = [r for r in rows if r["people"] > 0]
    npeople = sum(r["people"] for r in ppl)
    misnamed = [r["person_as_other"] for r in ppl if r["person_as_other"] is not None]
    empty = [r for r in rows if r["people"] == 0]
    return {
        "images": len(rows),
        "cue_recall_positives": _rate(sum(r["cue"] for r in pos), len(pos)),
        "positives": len(pos),
        "false_cue_rate_negatives": _rate(sum(r["cue"] for r in neg), len(neg)),
        "negatives": len(neg),
        "cue_rate_ambiguous": _rate(sum(r["cue"] for r in amb), len(amb)),
        "ambiguous": len(amb),
        "people_photos": len(ppl),
        "people": npeople,
        "person_recall_images": _rate(sum(r["persons_found"] > 0 for r in ppl), len(ppl)),
        "person_recall_count": _rate(sum(r["persons_matched"] for r in ppl), npeople),
        "person_as_livestock_or_drone": sum(misnamed) if misnamed else None,
        "photos_without_people": len(empty),
        "false_person_rate_empty": _rate(sum(r["persons_found"] > 0 for r in empty), len(empty)),
        "false_person_rate_empty_tracked": _rate(
            sum(r.get("persons_tracked", 0) > 0 for r in empty), len(empty)
        ),
        "abstained": sum(r["abstained"] for r in rows),
        "people_added": sum(r.get("people_added", 0) for r in rows),
        "people_widened": sum(r.get("people_widened", 0) for r in rows),
    } | summarise_people(rows)


def evaluate_real(
    photos: Sequence[Photo],
    set_dir: Path | None,
    scorer: Scorer,
    boxes: Mapping[str, Sequence[PersonBox]] | None = None,
) -> dict[str, Any]:
    """Every photo that can be found, scored (against its people's BOXES where labelled);
    the missing ones listed."""
    rows: list[dict[str, Any]] = []
    missing: list[str] = []
    for photo in photos:
        path = locate(photo.file, set_dir)
        if path is None:
            missing.append(photo.file)
            continue
        truth = boxes.get(photo.file) if boxes is not None else None
        rows.append(score_photo(photo, path, scorer, truth))
    return {
        "model": scorer.detector.info.name,
        "model_version": scorer.detector.info.version,
        "verifier": scorer.use_verifier and scorer.reference is not None,
        "sweep": scorer.use_verifier and scorer.reference is not None and scorer.params.sweep_s > 0,
        "sweep_tiles": scorer.params.sweep_tiles,
        "sweep_input": scorer.params.sweep_input,
        "summary": summarise(rows),
        "missing": missing,
        "images": rows,
    }
