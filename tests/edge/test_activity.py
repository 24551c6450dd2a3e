"""Activity state machines as pure functions over frame sequences."""

from collections import deque
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from edge.activity import ActivityRecognizer, IntervalMachine, frame_holds
from edge.params import default_rules
from edge.tracker import Track

T0 = datetime(2026, 5, 1, 8, tzinfo=UTC)
FPS = 5


def at(i: int) -> datetime:
    return T0 + timedelta(seconds=i / FPS)


def run(pattern: str, min_s: float = 2.0, gap_s: float = 1.0) -> list[tuple[str, float]]:
    """Feed '1'/'0' frames at 5 fps; events as (state, seconds)."""
    m = IntervalMachine("spraying", "P1", min_s, gap_s)
    out = []
    for i, c in enumerate(pattern):
        out += m.step(at(i), c == "1", 0.8)
    out += m.close()
    return [(e.state, (e.ts - T0).total_seconds()) for e in out]


def test_start_is_back_dated_and_end_is_the_last_held_frame() -> None:
    # held from frame 5 (1.0 s) to frame 24 (4.8 s), then nothing
    assert run("0" * 5 + "1" * 20 + "0" * 20) == [("start", 1.0), ("end", 4.8)]


def test_short_flicker_does_not_split_one_activity() -> None:
    assert run("1" * 15 + "00" + "1" * 15 + "0" * 10) == [("start", 0.0), ("end", 6.2)]


def test_long_gap_splits_it() -> None:
    events = run("1" * 15 + "0" * 10 + "1" * 15 + "0" * 10)
    assert events == [("start", 0.0), ("end", 2.8), ("start", 5.0), ("end", 7.8)]


def test_too_short_is_never_reported() -> None:
    assert run("1" * 9 + "0" * 20) == []


def test_open_activity_is_closed_at_its_last_frame() -> None:
    assert run("0" + "1" * 30) == [("start", 0.2), ("end", 6.0)]


def test_since_back_dates_over_the_gate_delay() -> None:
    m = IntervalMachine("spraying", "P1", 1.0, 1.0)
    events = []
    for i in range(3, 20):
        events += m.step(at(i), True, 0.9, since=at(1))
    assert events[0].ts == at(1)


@given(st.text(alphabet="01", max_size=120))
def test_events_alternate_and_intervals_are_long_enough(pattern: str) -> None:
    events = run(pattern)
    states = [s for s, _ in events]
    assert states == ["start", "end"] * (len(states) // 2)
    for (_, start), (_, end) in zip(events[::2], events[1::2], strict=True):
        assert end - start >= 2.0 - 1e-9


def _t(id_: int, label: str, box: tuple[float, float, float, float]) -> Track:
    return Track(id_, label, box, deque([0.9]), confirmed=True, born=T0, since=T0)


def test_spraying_needs_sprayer_and_plume_near_the_person() -> None:
    rule = default_rules()["spraying"]
    person = _t(1, "person", (100, 100, 120, 160))
    sprayer = _t(2, "backpack_sprayer", (105, 110, 118, 130))
    plume = _t(3, "spray_plume", (120, 100, 150, 130))
    far_plume = _t(4, "spray_plume", (500, 100, 530, 130))
    plots = {1: "P1"}
    assert set(frame_holds(rule, [person, sprayer, plume], plots)) == {"P1"}
    assert frame_holds(rule, [person, sprayer], plots) == {}
    assert frame_holds(rule, [person, sprayer, far_plume], plots) == {}
    assert frame_holds(rule, [person, sprayer, plume], {}) == {}  # not (yet) in a plot
    tractor = _t(5, "tractor", (300, 100, 400, 160))
    mist = _t(6, "spray_plume", (380, 90, 450, 150))
    assert set(frame_holds(rule, [tractor, mist], {5: "P2"})) == {"P2"}


def test_feeding_is_available_but_off_by_default() -> None:
    from edge.params import feeding_rule

    assert set(default_rules()) == {"spraying", "harvesting"}
    person = _t(1, "person", (0, 0, 10, 30))
    cow = _t(2, "livestock", (12, 10, 40, 30))
    assert set(frame_holds(feeding_rule(), [person, cow], {1: "P1"})) == {"P1"}


def test_recognizer_runs_each_plot_separately() -> None:
    rec = ActivityRecognizer({"harvesting": default_rules()["harvesting"]})
    person = _t(1, "person", (0, 0, 10, 30))
    crate = _t(2, "harvest_crate", (8, 20, 18, 30))
    events = []
    for i in range(30):
        events += rec.step(at(i), [person, crate], {1: "P7"})
    events += rec.close()
    assert [(e.activity, e.plot, e.state) for e in events] == [
        ("harvesting", "P7", "start"),
        ("harvesting", "P7", "end"),
    ]


def test_never_back_dated_into_the_previous_instance() -> None:
    m = IntervalMachine("spraying", "P1", 1.0, 0.5)
    events = []
    for i in range(0, 10):
        events += m.step(at(i), True, 0.9, since=at(0))
    for i in range(10, 15):
        events += m.step(at(i), False)
    for i in range(15, 25):
        events += m.step(at(i), True, 0.9, since=at(0))  # objects seen since long ago
    events += m.close()
    assert [(e.state, e.ts) for e in events] == [
        ("start", at(0)),
        ("end", at(9)),
        ("start", at(15)),
        ("end", at(24)),
    ]


def test_a_flickering_plume_counts_without_confirmation_but_the_person_must_be() -> None:
    rule = default_rules()["spraying"]
    person = _t(1, "person", (100, 100, 120, 160))
    sprayer = _t(2, "backpack_sprayer", (105, 110, 118, 130))
    fresh_plume = Track(3, "spray_plume", (40, 120, 90, 150), deque([0.6]), since=T0)
    assert not fresh_plume.confirmed
    assert set(frame_holds(rule, [person, sprayer, fresh_plume], {1: "P1"})) == {"P1"}
    weak = Track(3, "spray_plume", (40, 120, 90, 150), deque([0.1]), since=T0)
    assert frame_holds(rule, [person, sprayer, weak], {1: "P1"}) == {}
    unconfirmed = Track(1, "person", (100, 100, 120, 160), deque([0.9]))
    assert frame_holds(rule, [unconfirmed, sprayer, fresh_plume], {1: "P1"}) == {}


def test_harvesting_needs_the_worker_to_linger_not_walk_past_the_crate() -> None:
    rule = default_rules()["harvesting"]
    crate = _t(2, "harvest_crate", (8, 20, 18, 30))
    walking = _t(1, "person", (0, 0, 10, 30))
    walking.velocity = (4.0, 0.0, 4.0, 0.0)  # 4 px per frame at 5 fps: 0.67 heights/s
    lingering = _t(1, "person", (0, 0, 10, 30))
    lingering.velocity = (0.5, 0.2, 0.5, 0.2)  # detection jitter
    assert frame_holds(rule, [walking, crate], {1: "P1"}, dt_s=1 / FPS) == {}
    held = frame_holds(rule, [lingering, crate], {1: "P1"}, dt_s=1 / FPS)
    assert set(held) == {"P1"}
    assert held["P1"].since is None  # it holds from when they slowed down, not when they came
    assert frame_holds(rule, [lingering, crate], {1: "P1"}, dt_s=None) == {}  # first frame


def test_a_calibrated_model_scores_the_weakest_object_by_its_probability() -> None:
    rule = default_rules()["spraying"]
    tracks = [
        _t(1, "person", (100, 100, 120, 160)),
        _t(2, "backpack_sprayer", (105, 110, 118, 130)),
        _t(3, "spray_plume", (120, 100, 150, 130)),
    ]
    assert frame_holds(rule, tracks, {1: "P1"})["P1"].score == 0.9  # raw: every score 0.9
    # a plume at 0.9 is right 60 % of the time, the others 95 %: the holding is worth 0.6
    odds = {"spray_plume": 0.6}
    held = frame_holds(rule, tracks, {1: "P1"}, calibrate=lambda k, s: odds.get(k, 0.95))
    assert held["P1"].score == 0.6
    rec = ActivityRecognizer({"spraying": rule}, calibrate=lambda k, s: odds.get(k, 0.95))
    events = [e for i in range(20) for e in rec.step(at(i), tracks, {1: "P1"})]
    assert [e.confidence for e in events] == [0.6]
