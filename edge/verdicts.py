"""Per-track verifier verdicts (pure): the COCO model looks once per cue track, not per frame.

A spraying cue (a plume, a sprayer beside a person) is followed by the tracker like any object;
the first frame where a track is a cue, the verifier looks at that frame and its verdict is kept
under the track's id for the track's life. A confirmed cue stays confirmed; an unconfirmed one
stays hidden from the activity machines and is looked at again after `first_recheck_s`, then
after twice as long each time up to `recheck_s` (the worker may have turned round: a real person
is confirmed within a look or two, a shirt pattern called a plume costs a look every few
seconds). A new `livestock`/`drone` track gets one look too, cue or not: one that COCO sees as
a person is renamed `person` for its life (a worker called livestock must not feed the feeding
machine). The decisions themselves are `edge.verify`'s.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from agrisafe.timeutil import due
from edge.detect.base import Detection
from edge.geometry import Box
from edge.params import VerifierParams
from edge.tracker import Track
from edge.verify import (
    CUES,
    PERSON,
    carriers_of,
    cue_boxes,
    drop_plumes_on_people,
    relabel,
    supported,
)


@dataclass(frozen=True, slots=True)
class CueVerdict:
    """What the verifier said about one cue track, and when."""

    supported: bool
    ts: datetime
    tries: int = 1  # looks so far (an unconfirmed cue waits twice as long after each)


@dataclass(frozen=True, slots=True)
class Decided:
    """What one verifier call decided (for the counters)."""

    confirmed: int
    rejected: int
    relabelled: int


@dataclass
class TrackVerdicts:
    """Verdicts cached by track id; `pending` says when the verifier must look."""

    params: VerifierParams
    cues: dict[int, CueVerdict] = field(default_factory=dict)
    people: set[int] = field(default_factory=set)  # tracks renamed `person`
    looked: set[int] = field(default_factory=set)  # relabel candidates already looked at

    def cue_ids(self, tracks: Sequence[Track]) -> list[int]:
        """Ids of the tracks that are spraying cues in this frame (seen now)."""
        seen = [t for t in tracks if t.seen_now]
        dets = [self._det(t) for t in seen]
        found = {id(d) for d in cue_boxes(dets, self.params)}
        return [t.id for t, d in zip(seen, dets, strict=True) if id(d) in found]

    def pending(self, tracks: Sequence[Track], ts: datetime) -> bool:
        """True when a cue track has no verdict yet or an unconfirmed one is due a recheck, or
        a `livestock`/`drone` track seen now has not been looked at."""
        if any(t.seen_now and self._unlooked(t) for t in tracks):
            return True
        return any(self._due(i, ts) for i in self.cue_ids(tracks))

    def unlooked(self, tracks: Sequence[Track]) -> list[Box]:
        """Boxes of the `livestock`/`drone` tracks seen now and not looked at yet (for the
        look's crops: `edge.verify.relabel_crops`)."""
        return [t.box for t in tracks if t.seen_now and self._unlooked(t)]

    def decide(self, tracks: Sequence[Track], refs: Sequence[Detection], ts: datetime) -> Decided:
        """Take the verifier's detections `refs` on this frame into the cache."""
        p = self.params
        seen = [t for t in tracks if t.seen_now]
        dets = [self._det(t) for t in seen]
        fresh = [i for i, t in enumerate(seen) if self._unlooked(t)]
        renamed, _ = relabel([dets[i] for i in fresh], refs, p)
        relabelled = 0
        for i, d in zip(fresh, renamed, strict=True):
            self.looked.add(seen[i].id)
            if d.label == PERSON:
                self.people.add(seen[i].id)
                dets[i] = d
                relabelled += 1
        kept, _ = drop_plumes_on_people(dets, refs, p)
        on_people = {id(d) for d in dets} - {id(d) for d in kept}
        cues = {id(d) for d in cue_boxes(kept, p)}
        confirmed = rejected = 0
        for t, d in zip(seen, dets, strict=True):
            if d.label not in CUES or not self._due(t.id, ts):
                continue
            if id(d) in on_people:
                ok = False
            elif id(d) in cues:
                ok = any(supported(c, refs, p) for c in carriers_of(kept, [d], p))
            else:
                continue  # not a cue once relabelled: nothing to decide
            before = self.cues.get(t.id)
            self.cues[t.id] = CueVerdict(ok, ts, before.tries + 1 if before else 1)
            confirmed += ok
            rejected += not ok
        return Decided(confirmed, rejected, relabelled)

    def apply(self, tracks: Iterable[Track]) -> list[Track]:
        """Tracks as the activity machines should see them: renamed people, no rejected cues."""
        out: list[Track] = []
        for t in tracks:
            verdict = self.cues.get(t.id)
            if verdict is not None and not verdict.supported and self.params.unconfirmed == "hide":
                continue
            out.append(replace(t, label=PERSON) if t.id in self.people else t)
        return out

    def confirmed(self, tracks: Iterable[Track]) -> bool:
        """True when one of these tracks, seen now, is a cue the verifier confirmed."""
        return any(
            t.seen_now and (v := self.cues.get(t.id)) is not None and v.supported for t in tracks
        )

    def forget(self, live: Iterable[int]) -> None:
        """Drop the verdicts of tracks the tracker no longer follows."""
        keep = set(live)
        self.cues = {k: v for k, v in self.cues.items() if k in keep}
        self.people &= keep
        self.looked &= keep

    def _unlooked(self, t: Track) -> bool:
        """A track of a `relabel` class the verifier has not looked at yet."""
        return t.label in self.params.relabel and t.id not in self.looked

    def _det(self, t: Track) -> Detection:
        label = PERSON if t.id in self.people else t.label
        return Detection(label, t.score, t.box)

    def _due(self, track_id: int, ts: datetime) -> bool:
        v = self.cues.get(track_id)
        if v is None:
            return True
        p = self.params
        wait = min(p.recheck_s, p.first_recheck_s * 2 ** (v.tries - 1))
        return not v.supported and due(v.ts, ts, wait)
