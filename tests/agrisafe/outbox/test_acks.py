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
