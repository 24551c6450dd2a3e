"""Backoff: grows, is capped, jitters, resets."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agrisafe.backoff import Backoff


def test_delays_grow_then_cap_and_reset() -> None:
    b = Backoff(1.0, 8.0, jitter_s=0.0)
    assert [b.next() for _ in range(6)] == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert b.failures == 6
    b.reset()
    assert b.next() == 1.0


def test_jitter_spreads_a_fleet() -> None:
    delays = {Backoff(1.0, 30.0).next() for _ in range(50)}
    assert len(delays) > 10  # fifty devices do not all retry at the same instant
    assert all(1.0 <= d <= 1.25 for d in delays)


@given(st.floats(0.01, 10), st.floats(1, 100), st.integers(1, 200))
def test_delay_is_never_above_the_cap(initial: float, factor: float, attempt: int) -> None:
    b = Backoff(initial, initial * factor)
    assert initial <= b.delay(attempt) <= initial * factor


def test_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="initial_s"):
        Backoff(0, 1)
    with pytest.raises(ValueError, match="initial_s"):
        Backoff(5, 1)
