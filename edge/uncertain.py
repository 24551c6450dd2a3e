"""A bounded sample of uncertain frames for labelling (the loop that improves the model).

A frame is uncertain when a detection scores in the ambiguous band, when the detector and the
tracker disagree (a confirmed track the detector lost this frame, a detection over a track of
another class), when the verifier rejected a cue, or when its sweep found a person our model
missed or did not find one our model reported (a scarecrow, a parked drone's nozzle).
`uncertain_reasons` decides (pure);
`UncertainSample` keeps at most `max_frames` of them per camera as a reservoir sample (every
uncertain frame so far equally likely to be kept, so a busy morning does not crowd out the
month) within `max_mb`, each a JPEG with a JSON sidecar (reasons, detections), at most one per
`min_gap_s`. Label them, then `agrisafe models import-labels` and `finetune`.
"""

import json
import logging
import random
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from agrisafe.files import atomic_write
from edge.detect.base import Detection, Image
from edge.evidence import jpeg
from edge.geometry import iou
from edge.params import UncertainParams
from edge.tracker import Track

logger = logging.getLogger(__name__)


def uncertain_reasons(
    dets: Sequence[Detection],
    tracks: Sequence[Track],
    p: UncertainParams,
    rejected: int = 0,
    missed: int = 0,
    unconfirmed: int = 0,
) -> list[str]:
    """Why this frame is worth a label (empty: it is not)."""
    reasons: list[str] = []
    low, high = p.band
    if any(low <= d.score < high for d in dets):
        reasons.append("ambiguous_score")
    if any(t.confirmed and t.missed == 1 for t in tracks):
        reasons.append("detector_lost_track")
    if any(
        d.label != t.label and iou(d.box, t.box) >= p.flip_iou
        for d in dets
        for t in tracks
        if t.confirmed
    ):
        reasons.append("class_flip")
    if rejected:
        reasons.append("verifier_rejected_cue")
    if missed:
        reasons.append("missed_person")  # COCO saw a person our model did not
    if unconfirmed:
        reasons.append("unconfirmed_person")  # ours saw one COCO did not: a scarecrow, a nozzle?
    return reasons


class UncertainSample:
    """The kept frames of one camera (a reservoir of `max_frames`, within `max_mb`)."""

    def __init__(self, root: Path, params: UncertainParams, seed: str = "") -> None:
        self.root = root
        self.params = params
        root.mkdir(parents=True, exist_ok=True)
        self._kept = sorted(p.stem for p in root.glob("*.jpg"))
        self._seen = len(self._kept)  # after a restart the reservoir goes on from what is there
        self._rng = random.Random(seed or str(root))
        self._last: datetime | None = None

    def offer(
        self, ts: datetime, image: Image, reasons: Sequence[str], dets: Sequence[Detection]
    ) -> Path | None:
        """Maybe keep this frame; returns its path when kept."""
        p = self.params
        if self._last is not None and (ts - self._last).total_seconds() < p.min_gap_s:
            return None
        self._last = ts
        self._seen += 1
        if len(self._kept) >= p.max_frames:
            slot = self._rng.randrange(self._seen)
            if slot >= p.max_frames:
                return None
            self._drop(self._kept.pop(slot % len(self._kept)))
        name = ts.strftime("%Y%m%dT%H%M%S_%f")
        try:
            self._make_room(p.max_mb << 20)
            atomic_write(self.root / f"{name}.jpg", jpeg(image, 90))
            meta = {
                "ts": ts.isoformat(),
                "reasons": list(reasons),
                "detections": [
                    {"label": d.label, "score": round(d.score, 4), "box": d.box} for d in dets
                ],
            }
            atomic_write(self.root / f"{name}.json", json.dumps(meta).encode())
        except (OSError, ValueError) as err:  # a full disk must not stop the camera
            logger.error("uncertain frame %s not kept: %s", name, err)
            return None
        self._kept.append(name)
        return self.root / f"{name}.jpg"

    def _size(self) -> int:
        return sum(f.stat().st_size for f in self.root.iterdir() if f.is_file())

    def _make_room(self, limit: int) -> None:
        while self._kept and self._size() > limit:
            self._drop(self._kept.pop(0))

    def _drop(self, name: str) -> None:
        for suffix in (".jpg", ".json"):
            (self.root / f"{name}{suffix}").unlink(missing_ok=True)
