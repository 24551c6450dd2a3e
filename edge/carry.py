"""A sweep's widening carried over the frames between sweeps (pure).

A sweep widens our `person` box on a part of a worker (his head, his torso) to COCO's box of
him (`edge.verify.widen_parts`), but only on the sweep's frame: on the next frames our model
boxes his head again, so for most of every second the edge placed him on a plot by his chin and
looked for the sprayer on his back beside his head. Here the sweep remembers each widening as
an `Extent` (our part's box and the whole's), and on the frames after it our box on the same
part takes the whole again, moved and scaled as the part moved since: the box of a walking
worker follows him whole. An extent lasts until a sweep measures it again or `2 × sweep_s`
passes (one sweep where COCO blinks keeps it; two drop it).
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from edge.detect.base import Detection
from edge.geometry import Box, best_first, iou

PERSON = "person"
SAME_PART = 0.3  # IoU of our box now with the part a sweep widened: the same part, moved
KEPT_SWEEPS = 2.0  # an extent no sweep measured again is dropped after this many intervals


@dataclass(frozen=True, slots=True)
class Extent:
    """One widening: our box on a part of a worker, his whole box, the sweep that saw both."""

    part: Box
    whole: Box
    ts: datetime


def measured(widenings: Sequence[tuple[Box, Box]], ts: datetime) -> list[Extent]:
    """A sweep's widenings (`Fused.widenings`: our part, COCO's whole) as extents."""
    return [Extent(part, whole, ts) for part, whole in widenings]


def young(e: Extent, ts: datetime, sweep_s: float) -> bool:
    """True while E is young enough to carry: measured at most `KEPT_SWEEPS × sweep_s` before
    TS, and not after it (a clock stepped back must not keep it for as long as it stepped)."""
    return 0 <= (ts - e.ts).total_seconds() <= KEPT_SWEEPS * sweep_s


def transfer(part: Box, whole: Box, now: Box) -> Box:
    """WHOLE moved and scaled, per axis, as PART became NOW."""
    sx = (now[2] - now[0]) / max(part[2] - part[0], 1e-6)
    sy = (now[3] - now[1]) / max(part[3] - part[1], 1e-6)
    return (
        now[0] + (whole[0] - part[0]) * sx,
        now[1] + (whole[1] - part[1]) * sy,
        now[2] + (whole[2] - part[2]) * sx,
        now[3] + (whole[3] - part[3]) * sy,
    )


def carry(
    dets: Sequence[Detection],
    extents: Sequence[Extent],
    ts: datetime,
    sweep_s: float,
    size: tuple[int, int],
    labels: Collection[str] = (PERSON,),
) -> tuple[list[Detection], list[Extent]]:
    """On a frame between sweeps: our boxes of LABELS (`person`, and the `relabel` classes a
    sweep widens too) on a part a sweep widened take the whole again (one to one, best IoU
    first, clipped to the frame SIZE: width, height), and the extents as they stand now (each
    followed its part; the ones too old dropped)."""
    live = [e for e in extents if young(e, ts, sweep_s)]
    width, height = size
    found: list[tuple[float, int, int]] = []  # (IoU with the part, det, extent)
    wholes: dict[tuple[int, int], Box] = {}  # (det, extent) → the whole there, in the frame
    for di, d in enumerate(dets):
        for ei, e in enumerate(live):
            overlap = iou(d.box, e.part)
            if d.label not in labels or not overlap >= SAME_PART:  # NaN: never
                continue
            x1, y1, x2, y2 = transfer(e.part, e.whole, d.box)
            whole = (max(0.0, x1), max(0.0, y1), min(float(width), x2), min(float(height), y2))
            if whole[2] > whole[0] and whole[3] > whole[1]:  # something of it left in the frame
                found.append((overlap, di, ei))
                wholes[di, ei] = whole
    out = list(dets)
    kept = list(live)
    for _, di, ei in best_first(found):
        whole = wholes[di, ei]
        out[di] = replace(dets[di], box=whole)
        kept[ei] = Extent(dets[di].box, whole, live[ei].ts)
    return out, kept


def renewed(
    old: Sequence[Extent], fresh: Sequence[Extent], ts: datetime, sweep_s: float
) -> list[Extent]:
    """After a sweep: its FRESH widenings, and the OLD ones on parts it did not widen again
    (COCO missed the worker this once), until they are too old."""
    kept = [
        e
        for e in old
        if young(e, ts, sweep_s) and all(iou(e.part, f.part) < SAME_PART for f in fresh)
    ]
    return [*fresh, *kept]
