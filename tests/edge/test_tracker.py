"""Tracker: association, the score-median gate, ageing out."""

from datetime import UTC, datetime

from edge.detect.base import Detection
from edge.params import TrackerParams
from edge.tracker import Tracker


def person(x: float, score: float = 0.9) -> Detection:
    return Detection("person", score, (x, 10.0, x + 20.0, 60.0))


def test_a_moving_object_keeps_its_id_and_is_confirmed_after_min_hits() -> None:
    tr = Tracker(TrackerParams(min_hits=2))
    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    [first] = tr.update([person(0)], t0)
    assert not first.confirmed
    assert first.born == t0
    for x in (3, 6, 9):
        [t] = tr.update([person(x)])
        assert t.id == first.id
    assert t.confirmed
    assert t.hits == 4


def test_one_frame_false_positive_never_counts() -> None:
    tr = Tracker(TrackerParams(min_hits=2, max_age=2))
    [t] = tr.update([person(0, 0.95)])
    assert not t.confirmed
    for _ in range(3):
        tr.update([])
    assert tr.tracks == []


def test_low_median_score_is_not_confirmed() -> None:
    tr = Tracker(TrackerParams(min_hits=2, confirm_median=0.7, high_score=0.3))
    for _ in range(5):
        [t] = tr.update([person(0, 0.4)])
    assert not t.confirmed


def test_weak_detection_keeps_a_known_track_alive_but_starts_none() -> None:
    tr = Tracker(TrackerParams(high_score=0.5))
    [t] = tr.update([person(0, 0.9)])
    [same] = tr.update([person(1, 0.3)])  # second stage (ByteTrack)
    assert same.id == t.id
    assert same.seen_now
    tr2 = Tracker(TrackerParams(high_score=0.5))
    assert tr2.update([person(0, 0.3)]) == []


def test_classes_never_share_a_track() -> None:
    tr = Tracker(TrackerParams())
    tr.update([person(0)])
    tracks = tr.update([Detection("tractor", 0.9, (0.0, 10.0, 20.0, 60.0))])
    assert sorted(t.label for t in tracks) == ["person", "tractor"]


def test_hold_keeps_state_for_motion_gated_frames() -> None:
    tr = Tracker(TrackerParams())
    [t] = tr.update([person(0)])
    assert tr.hold() == [t]
    assert t.seen_now


def test_since_restarts_after_an_unseen_stretch() -> None:
    tr = Tracker(TrackerParams(max_age=5))
    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    tr.update([person(0)], t0)
    tr.update([person(1)], t0.replace(second=1))
    tr.update([], t0.replace(second=2))
    tr.update([], t0.replace(second=3))
    [t] = tr.update([person(2)], t0.replace(second=4))
    assert t.born == t0
    assert t.since == t0.replace(second=4)
