"""AckTracker: which rows wait for the cloud, including two rows with one message id."""

from hypothesis import given
from hypothesis import strategies as st

from agrisafe.outbox.acks import AckTracker


def test_a_replayed_id_is_settled_in_every_row() -> None:
    """A node killed before the ack replays its activity with the same id: both rows go."""
    t = AckTracker()
    t.sent(1, "a")
    t.sent(2, "b")
    t.sent(3, "a")  # the replay
    assert t.tracks(1)
    assert t.tracks(3)
    assert sorted(t.acked(["a"])) == [1, 3]
    assert not t.tracks(1)
    assert not t.tracks(3)
    assert len(t) == 1


def test_overdue_rows_and_forget() -> None:
    t = AckTracker()
    t.sent(1, "a")
    t.sent(2, "a")
    t.puback(1, 0.0)
    assert t.due(10.0, 5.0) == [1]  # row 2 has no PUBACK yet: no re-send clock
    t.forget(1)
    assert t.due(10.0, 5.0) == []
    assert t.acked(["a"]) == [2]
    assert len(t) == 0


@given(st.lists(st.tuples(st.integers(0, 50), st.sampled_from("abcde")), unique_by=lambda x: x[0]))
def test_acking_every_id_settles_every_row(rows: list[tuple[int, str]]) -> None:
    t = AckTracker()
    for seq, msg_id in rows:
        t.sent(seq, msg_id)
    settled = t.acked(sorted({m for _, m in rows}))
    assert sorted(settled) == sorted(seq for seq, _ in rows)
    assert len(t) == 0


def test_cloud_clock_takes_the_least_delayed_ack() -> None:
    """(cloud time − arrival) = offset − delay: the largest recent value is the estimate."""
    from agrisafe.outbox.acks import CloudClock

    clock = CloudClock(window=3)
    assert clock.offset_ms() is None
    clock.observe(10_500, 10_000)  # cloud 500 ms ahead, arrived at once
    clock.observe(11_400, 11_000)  # same offset, 100 ms in transit
    assert clock.offset_ms() == 500
    for n in range(3):  # the window forgets old samples
        clock.observe(20_000 + n, 20_000 + n + 50)
    assert clock.offset_ms() == -50


def test_cloud_acks_carry_the_clouds_time_and_old_acks_still_parse() -> None:
    import time

    from agrisafe.protocol import CloudAck
    from cloud.domain import Incoming, Outcome, Source, Verdict
    from cloud.ingest.acks import cloud_acks

    item = Incoming(b"{}", "agrisafe/v1/S1/rt-01/rapid_test", Source.MQTT, 0)
    [(topic, payload)] = list(cloud_acks([item], [Outcome(Verdict.ACCEPTED, "m1")]))
    ack = CloudAck.model_validate_json(payload)
    assert topic == "agrisafe/cloud/v1/ack/S1/rt-01"
    assert ack.ids == ["m1"]
    assert ack.ts_ms is not None
    assert abs(ack.ts_ms - time.time() * 1000) < 60_000
    assert CloudAck.model_validate_json(b'{"v": 1, "ids": ["a"]}').ts_ms is None
    assert CloudAck(ids=["a"]).to_json() == b'{"v":1,"ids":["a"]}'
