"""Per-track verifier verdicts: one look per cue track, kept by id, rechecked when rejected."""

from collections import deque
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from edge.detect.base import Detection
from edge.params import VerifierParams
from edge.tracker import Track
from edge.verdicts import TrackVerdicts

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
WORKER_BOX = (100.0, 100.0, 140.0, 220.0)


def track(i: int, label: str, box: tuple[float, float, float, float], score: float = 0.8) -> Track:
    return Track(i, label, box, deque([score]))


def scene() -> list[Track]:
    return [
        track(1, "livestock", WORKER_BOX),  # our model's mistake: a worker called livestock
        track(2, "backpack_sprayer", (120, 120, 150, 180)),
        track(3, "spray_plume", (145, 150, 200, 210)),
    ]


def test_a_coco_person_renames_the_track_and_confirms_its_cues() -> None:
    v = TrackVerdicts(VerifierParams())
    tracks = scene()
    # before relabelling there is no person, so only the plume is a cue
    assert v.cue_ids(tracks) == [3]
    assert v.pending(tracks, T0)
    decided = v.decide(tracks, [Detection("person", 0.9, WORKER_BOX)], T0)
    assert (decided.confirmed, decided.relabelled) == (2, 1)  # the sprayer became a cue too
    assert not v.pending(tracks, T0 + timedelta(seconds=60))  # confirmed: never again
    seen = v.apply(tracks)
    assert [t.label for t in seen] == ["person", "backpack_sprayer", "spray_plume"]
    assert tracks[0].label == "livestock"  # the tracker's own state is untouched
    assert v.confirmed([tracks[2]])


def test_an_unconfirmed_cue_is_hidden_then_rechecked() -> None:
    p = VerifierParams(first_recheck_s=5.0, recheck_s=5.0)
    v = TrackVerdicts(p)
    tracks = [track(1, "person", WORKER_BOX), track(3, "spray_plume", (145, 150, 200, 210))]
    decided = v.decide(tracks, [], T0)
    assert (decided.confirmed, decided.rejected) == (0, 1)
    assert [t.id for t in v.apply(tracks)] == [1]
    assert not v.pending(tracks, T0 + timedelta(seconds=4.9))
    assert v.pending(tracks, T0 + timedelta(seconds=5))
    assert v.pending(tracks, T0 - timedelta(hours=1))  # the clock stepped back: look again
    v.forget([1])
    assert [t.id for t in v.apply(tracks)] == [1, 3]  # a new verdict is needed


def test_a_plume_on_a_coco_person_is_rejected() -> None:
    v = TrackVerdicts(VerifierParams())
    tracks = [track(1, "person", WORKER_BOX), track(3, "spray_plume", (105, 110, 135, 150))]
    decided = v.decide(tracks, [Detection("person", 0.9, WORKER_BOX)], T0)
    assert decided.rejected == 1
    assert [t.id for t in v.apply(tracks)] == [1]


def test_a_plume_track_beside_a_confirmed_worker_needs_his_sprayer() -> None:
    coco = [Detection("person", 0.9, WORKER_BOX)]
    bare = TrackVerdicts(VerifierParams())
    tracks = [track(1, "person", WORKER_BOX), track(3, "spray_plume", (145, 150, 200, 210))]
    assert bare.decide(tracks, coco, T0).rejected == 1  # soil beside a real worker
    assert [t.id for t in bare.apply(tracks)] == [1]
    armed = TrackVerdicts(VerifierParams())
    with_sprayer = [*tracks, track(2, "backpack_sprayer", (120, 120, 150, 180))]
    assert armed.decide(with_sprayer, coco, T0).confirmed == 2
    assert [t.id for t in armed.apply(with_sprayer)] == [1, 3, 2]


def test_a_livestock_track_gets_one_look_without_any_cue() -> None:
    v = TrackVerdicts(VerifierParams())
    worker, cow = track(1, "livestock", WORKER_BOX), track(2, "livestock", (400, 150, 480, 220))
    assert v.cue_ids([worker, cow]) == []
    assert v.pending([worker, cow], T0)
    decided = v.decide([worker, cow], [Detection("person", 0.9, WORKER_BOX)], T0)
    assert decided.relabelled == 1
    assert not v.pending([worker, cow], T0 + timedelta(seconds=60))  # one look per track
    assert [t.label for t in v.apply([worker, cow])] == ["person", "livestock"]
    assert v.pending([worker, cow, track(3, "drone", (10, 10, 40, 30))], T0)  # a new track


def test_no_relabel_classes_no_look_without_a_cue() -> None:
    v = TrackVerdicts(VerifierParams(relabel=[]))
    assert not v.pending([track(1, "livestock", WORKER_BOX)], T0)


boxes = st.tuples(st.floats(0, 600), st.floats(0, 300), st.floats(1, 100), st.floats(1, 100)).map(
    lambda b: (b[0], b[1], b[0] + b[2], b[1] + b[3])
)
labels = st.sampled_from(["person", "livestock", "drone", "spray_plume", "backpack_sprayer"])


@given(
    st.lists(st.tuples(labels, boxes, st.floats(0, 1)), max_size=8),
    st.lists(st.tuples(st.sampled_from(["person", "truck"]), boxes), max_size=4),
)
def test_after_a_look_nothing_is_pending(
    objs: list[tuple[str, tuple[float, float, float, float], float]],
    refs: list[tuple[str, tuple[float, float, float, float]]],
) -> None:
    v = TrackVerdicts(VerifierParams())
    tracks = [track(i, lab, box, score) for i, (lab, box, score) in enumerate(objs)]
    v.decide(tracks, [Detection(lab, 0.9, box) for lab, box in refs], T0)
    assert not v.pending(tracks, T0)
    assert len(v.apply(tracks)) <= len(tracks)


def test_the_unlooked_livestock_and_drone_boxes_are_given_for_a_closer_look() -> None:
    v = TrackVerdicts(VerifierParams())
    small = track(4, "drone", (300.0, 50.0, 320.0, 60.0))
    tracks = [*scene(), small]
    assert v.unlooked(tracks) == [WORKER_BOX, small.box]  # the sprayer and plume are not asked
    v.decide(tracks, [], T0)
    assert v.unlooked(tracks) == []  # looked at once
