"""A sweep's widening carried over the frames between sweeps (`edge.carry`)."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from edge.carry import Extent, carry, measured, renewed, transfer
from edge.detect.base import Detection

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
HEAD = (110.0, 100.0, 130.0, 125.0)
WHOLE = (100.0, 100.0, 140.0, 220.0)
SIZE = (640, 360)


def test_transfer_moves_and_scales_the_whole_as_the_part_moved() -> None:
    assert transfer(HEAD, WHOLE, HEAD) == WHOLE
    assert transfer(HEAD, WHOLE, (120.0, 100.0, 140.0, 125.0)) == (110.0, 100.0, 150.0, 220.0)
    # the head twice as large (he came closer): the body twice as large around it
    assert transfer(HEAD, WHOLE, (100.0, 100.0, 140.0, 150.0)) == (80.0, 100.0, 160.0, 340.0)


def test_carry_gives_our_head_box_the_whole_and_follows_it() -> None:
    moved = Detection("person", 0.9, (114.0, 100.0, 134.0, 125.0))
    tractor = Detection("tractor", 0.8, HEAD)  # another class on the same pixels: untouched
    out, kept = carry(
        [moved, tractor], [Extent(HEAD, WHOLE, T0)], T0 + timedelta(seconds=0.2), 1.0, SIZE
    )
    assert out == [Detection("person", 0.9, (104.0, 100.0, 144.0, 220.0)), tractor]
    assert kept == [Extent(moved.box, (104.0, 100.0, 144.0, 220.0), T0)]  # the sweep's time


def test_carry_takes_the_labels_it_is_given() -> None:
    back = Detection("drone", 0.9, HEAD)  # a worker's back our model called drone
    extent = [Extent(HEAD, WHOLE, T0)]
    assert carry([back], extent, T0, 1.0, SIZE)[0] == [back]  # `person` only by default
    out, _ = carry([back], extent, T0, 1.0, SIZE, ("person", "drone", "livestock"))
    assert out == [Detection("drone", 0.9, WHOLE)]


def test_carry_matches_one_to_one_and_leaves_other_boxes() -> None:
    near = Detection("person", 0.9, (111.0, 100.0, 131.0, 125.0))
    second = Detection("person", 0.8, (112.0, 101.0, 132.0, 126.0))  # a worker behind him
    far = Detection("person", 0.7, (400.0, 100.0, 420.0, 125.0))
    out, _ = carry([second, near, far], [Extent(HEAD, WHOLE, T0)], T0, 1.0, SIZE)
    assert [d.box == b.box for d, b in zip(out, [second, near, far], strict=True)] == [
        True,
        False,
        True,
    ]


def test_an_extent_lasts_two_sweep_intervals_and_clips_to_the_frame() -> None:
    edge = Extent((620.0, 300.0, 640.0, 325.0), (610.0, 300.0, 650.0, 420.0), T0)
    head = Detection("person", 0.9, edge.part)
    [d], [e] = carry([head], [edge], T0 + timedelta(seconds=2.0), 1.0, SIZE)[0], [edge]
    assert d.box == (610.0, 300.0, 640.0, 360.0)
    out, kept = carry([head], [e], T0 + timedelta(seconds=2.1), 1.0, SIZE)
    assert (out, kept) == ([head], [])


def test_a_sweep_renews_the_parts_it_saw_and_keeps_the_others_a_while() -> None:
    old = [
        Extent(HEAD, WHOLE, T0),
        Extent((400.0, 100.0, 420.0, 125.0), (390.0, 100.0, 430.0, 220.0), T0),
    ]
    fresh = measured(
        [((112.0, 100.0, 132.0, 125.0), (102.0, 100.0, 142.0, 220.0))], T0 + timedelta(seconds=1)
    )
    out = renewed(old, fresh, T0 + timedelta(seconds=1), 1.0)
    assert out == [*fresh, old[1]]  # his old extent gave way; the other worker's is kept
    assert renewed(old, [], T0 + timedelta(seconds=2.5), 1.0) == []


def test_a_clock_stepped_back_drops_the_extents() -> None:
    head = Detection("person", 0.9, HEAD)
    out, kept = carry([head], [Extent(HEAD, WHOLE, T0)], T0 - timedelta(hours=1), 1.0, SIZE)
    assert (out, kept) == ([head], [])
    assert renewed([Extent(HEAD, WHOLE, T0)], [], T0 - timedelta(seconds=1), 1.0) == []


def test_a_nan_box_is_never_carried() -> None:
    nan = Detection("person", 0.9, (float("nan"), 100.0, 130.0, 125.0))
    out, kept = carry([nan], [Extent(HEAD, WHOLE, T0)], T0, 1.0, SIZE)
    assert (out, kept) == ([nan], [Extent(HEAD, WHOLE, T0)])


coord = st.floats(-50, 700, allow_nan=False)


@given(st.lists(st.tuples(coord, coord, st.floats(1, 200), st.floats(1, 200)), max_size=6))
def test_carried_boxes_stay_in_the_frame_and_never_multiply(raw: list[tuple[float, ...]]) -> None:
    dets = [Detection("person", 0.5, (x, y, x + w, y + h)) for x, y, w, h in raw]
    extents = [
        Extent(d.box, (d.box[0] - 10, d.box[1], d.box[2] + 10, d.box[3] + 90), T0) for d in dets[:3]
    ]
    out, kept = carry(dets, extents, T0, 1.0, SIZE)
    assert len(out) == len(dets)
    assert len(kept) == len(extents)
    for before, after in zip(dets, out, strict=True):
        if after.box != before.box:
            x1, y1, x2, y2 = after.box
            assert min(x1, y1, SIZE[0] - x2, SIZE[1] - y2) >= 0
            assert min(x2 - x1, y2 - y1) > 0
