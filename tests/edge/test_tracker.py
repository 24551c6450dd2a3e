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


HEAD = Detection("person", 0.8, (100.0, 100.0, 120.0, 120.0))
WHOLE = Detection("person", 0.8, (90.0, 95.0, 130.0, 215.0))  # the same worker, head to foot


def test_a_worker_seen_by_his_head_then_whole_keeps_one_track_and_no_jump_velocity() -> None:
    tr = Tracker(TrackerParams())
    [t] = tr.update([HEAD])
    [t] = tr.update([HEAD])
    [whole] = tr.update([WHOLE])  # a sweep widened our box: IoU with the head is 0.08
    assert (whole.id, whole.box) == (t.id, WHOLE.box)
    assert whole.velocity == (0.0, 0.0, 0.0, 0.0)  # a part seen whole is not motion
    [back] = tr.update([HEAD])
    assert (back.id, back.box, back.hits) == (t.id, HEAD.box, 4)


def test_containment_matching_can_be_turned_off() -> None:
    tr = Tracker(TrackerParams(part_cover=None))
    tr.update([HEAD])
    tracks = tr.update([WHOLE])
    assert len({x.id for x in tracks}) == 2


def test_iou_matches_before_containment() -> None:
    """A worker and a second one standing in front of him: each keeps his own track."""
    tr = Tracker(TrackerParams())
    back, front = HEAD, WHOLE
    tr.update([back, front])
    ids = {x.box: x.id for x in tr.tracks}
    moved = [Detection("person", 0.8, (101.0, 100.0, 121.0, 120.0)), front]
    after = {x.box: x.id for x in tr.update(moved)}
    assert after == {moved[0].box: ids[back.box], front.box: ids[front.box]}


def test_restore_takes_the_tracker_back_to_its_snapshot() -> None:
    tracker = Tracker(TrackerParams())
    tracker.update([Detection("person", 0.9, (0, 0, 10, 20))])
    before = tracker.snapshot()
    tracker.update(
        [Detection("person", 0.9, (1, 0, 11, 20)), Detection("drone", 0.9, (50, 50, 90, 80))]
    )
    assert [t.id for t in tracker.tracks] == [1, 2]
    tracker.restore(before)
    [track] = tracker.tracks
    assert (track.id, track.box, track.hits, list(track.scores)) == (1, (0, 0, 10, 20), 1, [0.9])
    tracker.update([Detection("drone", 0.9, (50, 50, 90, 80))])  # ids go on from the snapshot's
    assert [t.id for t in tracker.tracks] == [1, 2]
