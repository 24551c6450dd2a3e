"""COCO verifier decisions (pure): relabel boxes COCO sees as people, abstain on unconfirmed cues.

A spraying cue (a plume, or a sprayer beside a person) is an accusation in the making; on such a
frame a second, COCO-trained model looks too, and on a frame with a `livestock`/`drone` box (a
person our model misnamed would otherwise feed the feeding or drone-spraying machines). Our
`livestock`/`drone` boxes where COCO sees a `person` become `person`; a cue whose carriers COCO
cannot confirm (no `person` over the worker, no `truck`/`car` over the tractor …:
`VerifierParams.support`) is dropped from the frame, so the activity machines see no spraying
there. Every `sweep_s` the COCO model also looks at a whole frame for the people our model
missed (`missed_people`): our drawings-taught model finds a real worker in a suit or in a rice
paddy far less often than COCO does, and a missed worker is a missed harvest or spraying. The
I/O side (the COCO model) is `edge.detect.verifier`.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace

from edge.detect.base import Detection
from edge.detect.tiles import Crop, crops_around
from edge.geometry import Box, area, best_first, cover, grow, inside, iou, touches
from edge.params import VerifierParams

PLUME, SPRAYER, PERSON = "spray_plume", "backpack_sprayer", "person"
CUES = frozenset({PLUME, SPRAYER})
CARRIERS = ("person", "tractor", "drone")
# A crop around a box our model called livestock or drone is at least this × its larger side:
# enough to hold the whole worker it may be a part of (the bent back of a harvester in a cap).
RELABEL_FIT = 2.5
PART_IOU = 0.5  # a box at this IoU with a person is already his (PASCAL VOC's match)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the verifier did to one frame."""

    supported: bool  # a cue's carrier was confirmed (or not checked: no table entry)
    relabelled: int  # our boxes renamed `person`
    dropped: int  # cue boxes removed (abstained)


def cue_boxes(dets: Sequence[Detection], p: VerifierParams) -> list[Detection]:
    """The frame's spraying cues: plumes, and sprayers touching a person (grown by `margin`)."""
    people = [grow(d.box, p.margin) for d in dets if d.label == PERSON]
    out: list[Detection] = []
    for d in dets:
        if d.score < p.cue_score:
            continue
        if d.label == PLUME or (d.label == SPRAYER and any(touches(g, d.box) for g in people)):
            out.append(d)
    return out


def has_cue(dets: Sequence[Detection], p: VerifierParams) -> bool:
    """True when the frame is a spraying candidate (only then is the verifier run)."""
    return bool(cue_boxes(dets, p))


def needs_look(dets: Sequence[Detection], p: VerifierParams) -> bool:
    """True when the verifier must look: a spraying cue, or a box of a `relabel` class."""
    return has_cue(dets, p) or any(d.label in p.relabel for d in dets)


def missed_people(
    dets: Sequence[Detection], refs: Sequence[Detection], p: VerifierParams
) -> list[Detection]:
    """COCO people that none of our `person` (or `relabel`-class) boxes covers, as `person`.

    Covering is `overlap` of the smaller box, as for support: our box on a torso is the same
    worker, and our `livestock` over a person is renamed by `relabel`, not doubled here.
    """
    ours = [d.box for d in dets if d.label == PERSON or d.label in p.relabel]
    return [
        Detection(PERSON, r.score, r.box)
        for r in refs
        if r.label == PERSON and all(cover(r.box, b) < p.overlap for b in ours)
    ]


def widen_parts(
    dets: Sequence[Detection], refs: Sequence[Detection], p: VerifierParams
) -> tuple[list[Detection], int]:
    """Our `person` boxes that are a part of a COCO person take that person's whole box, and so
    do our `relabel`-class boxes (label kept: `relabel` renames them, as their track's look does).

    Our drawings-taught model often boxes a real worker's head or torso; the edge places him on
    a plot by the foot of his box, and a head's foot is his chin. A part is a box lying mostly
    inside a COCO person (`relabel_cover`), smaller than him and not already him (IoU < 0.5, the
    match the real-photo evaluation asks). One to one, best IoU first: a COCO person widens one
    of our boxes, so two workers inside one COCO box (one behind the other) stay two. Our score
    is kept: it is the tracker's evidence for our class. On the 53 real photos this raised
    `person` boxes matched at IoU ≥ 0.5 from 0.43 to 0.48 with the edge's default sweep; the
    `livestock`/`drone` parts (the bent harvester's back called `drone`, whose COCO box it
    otherwise kept out) from 0.52 to 0.56.
    """
    people = [r.box for r in refs if r.label == PERSON]
    pairs = (
        (iou(d.box, r), di, ri)
        for di, d in enumerate(dets)
        if d.label == PERSON or d.label in p.relabel
        for ri, r in enumerate(people)
        if inside(d.box, r) >= p.relabel_cover and area(d.box) < area(r)
    )
    out = list(dets)
    widened = 0
    for overlap, di, ri in best_first(pairs):
        if overlap < PART_IOU:
            out[di] = replace(dets[di], box=people[ri])
            widened += 1
    return out, widened


@dataclass(frozen=True, slots=True)
class Fused:
    """A sweep's people: our detections with parts widened, plus the people ours missed."""

    dets: list[Detection]
    added: int
    widenings: list[tuple[Box, Box]]  # (our box on a part of a worker, COCO's box of him)

    @property
    def widened(self) -> int:
        """Our boxes widened."""
        return len(self.widenings)


def fuse_people(
    dets: Sequence[Detection],
    refs: Sequence[Detection],
    p: VerifierParams,
    carried: Sequence[Detection] | None = None,
) -> Fused:
    """What a sweep's look (REFS) does to one frame's detections: widen our parts of people
    (`widen_parts`), then add the COCO people none of ours covers (`missed_people`). CARRIED:
    DETS with earlier sweeps' widenings carried over (`edge.carry`); a box this sweep does not
    widen keeps its carried box."""
    widened, _ = widen_parts(dets, refs, p)
    pairs = [(d.box, w.box) for d, w in zip(dets, widened, strict=True) if d.box != w.box]
    if carried is not None:
        widened = [
            w if w.box != d.box else c for d, w, c in zip(dets, widened, carried, strict=True)
        ]
    missed = missed_people(widened, refs, p)
    return Fused(widened + missed, len(missed), pairs)


def sweep_crops(moved: Sequence[Box], width: int, height: int, p: VerifierParams) -> list[Crop]:
    """Where a sweep also looks closer: around where the frame MOVED (`sweep_motion_crop`)."""
    return crops_around(moved, width, height, p.sweep_motion_crop, p.sweep_motion_crops)


def relabel_crops(boxes: Sequence[Box], width: int, height: int, p: VerifierParams) -> list[Crop]:
    """Where a look at our `livestock`/`drone` BOXES also looks closer (`relabel_crop`): around
    the largest first, each crop wide enough for the whole worker a box may be part of."""
    largest = sorted(boxes, key=lambda b: -area(b))
    return crops_around(largest, width, height, p.relabel_crop, p.relabel_crops, RELABEL_FIT)


def unconfirmed_people(
    dets: Sequence[Detection], refs: Sequence[Detection], p: VerifierParams, min_score: float
) -> list[Detection]:
    """Our `person` boxes (score ≥ MIN_SCORE) that no COCO `person` covers (`overlap`).

    On real drone photos most such boxes are a parked drone's nozzle or leg; at a farm, a
    scarecrow or a post. Some are workers COCO missed, so nothing is dropped: the frames go to
    the uncertain sample for labelling, and commissioning counts them.
    """
    coco = [r.box for r in refs if r.label == PERSON]
    return [
        d
        for d in dets
        if d.label == PERSON
        and d.score >= min_score
        and all(cover(d.box, b) < p.overlap for b in coco)
    ]


def relabel(
    dets: Sequence[Detection], refs: Sequence[Detection], p: VerifierParams
) -> tuple[list[Detection], int]:
    """Our `relabel` classes lying inside a COCO `person` (`relabel_cover`) become `person`."""
    people = [r.box for r in refs if r.label == PERSON]
    out: list[Detection] = []
    changed = 0
    for d in dets:
        if d.label in p.relabel and any(inside(d.box, b) >= p.relabel_cover for b in people):
            out.append(replace(d, label=PERSON))
            changed += 1
        else:
            out.append(d)
    return out, changed


def drop_plumes_on_people(
    dets: Sequence[Detection], refs: Sequence[Detection], p: VerifierParams
) -> tuple[list[Detection], int]:
    """Plumes lying mostly inside a COCO person (a shirt, a face) are removed."""
    people = [r.box for r in refs if r.label == PERSON]
    kept = [
        d
        for d in dets
        if d.label != PLUME or all(inside(d.box, b) < p.plume_on_person for b in people)
    ]
    return kept, len(dets) - len(kept)


def carriers_of(
    dets: Sequence[Detection], cues: Sequence[Detection], p: VerifierParams
) -> list[Detection]:
    """Carrier boxes (person, tractor, drone) whose grown box touches a cue.

    A person carries a plume only with a sprayer on him (a sprayer cue touching his grown box),
    as the `spraying` activity asks a person for both: a worker makes no mist by hand. Without
    this, a bright patch of soil, foliage or a tent near a real worker was confirmed by that
    worker, whom COCO rightly sees (3 of the 39 real photos of nobody spraying, 2026-12-04).
    """
    sprayers = [c.box for c in cue_boxes(dets, p) if c.label == SPRAYER]
    out: list[Detection] = []
    for d in dets:
        if d.label not in CARRIERS:
            continue
        area = grow(d.box, p.margin)
        armed = d.label != PERSON or any(touches(area, s) for s in sprayers)
        if any(touches(area, c.box) and (armed or c.label != PLUME) for c in cues):
            out.append(d)
    return out


def supported(carrier: Detection, refs: Sequence[Detection], p: VerifierParams) -> bool:
    """A carrier is confirmed by a COCO box of a class in its `support` row covering it."""
    wanted = p.support.get(carrier.label)
    if wanted is None:
        return True  # no COCO class for it: not checked
    return any(r.label in wanted and cover(r.box, carrier.box) >= p.overlap for r in refs)


def verify(
    dets: Sequence[Detection], refs: Sequence[Detection], p: VerifierParams
) -> tuple[list[Detection], Verdict]:
    """Relabel, then keep the cues only when one of their carriers is confirmed by COCO."""
    fixed, changed = relabel(dets, refs, p)
    fixed, dropped = drop_plumes_on_people(fixed, refs, p)
    cues = cue_boxes(fixed, p)
    if not cues:
        return fixed, Verdict(dropped == 0, changed, dropped)
    if any(supported(c, refs, p) for c in carriers_of(fixed, cues, p)):
        return fixed, Verdict(True, changed, dropped)
    kept = [d for d in fixed if d.label not in CUES]
    return kept, Verdict(False, changed, dropped + len(fixed) - len(kept))
