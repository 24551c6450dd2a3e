"""testkit's free ports: one block per xdist worker, outside the kernel's own port picks."""

import pytest

from testkit import net


def test_each_worker_draws_from_its_own_block_below_the_kernel_range(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    low = net._ephemeral_low()
    drawn: dict[str, set[int]] = {}
    for worker in ("gw0", "gw1", "gw5"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        drawn[worker] = {net.free_port() for _ in range(50)}
    assert all(len(ports) == 50 for ports in drawn.values())  # no port twice in a row
    assert not drawn["gw0"] & drawn["gw1"]
    assert not drawn["gw1"] & drawn["gw5"]
    assert max(max(p) for p in drawn.values()) < low
    assert min(drawn["gw1"]) >= net._FIRST_PORT + net._BLOCK


def test_a_port_in_use_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw2")
    first = net.free_port()
    with net.held_port(first):
        # go round the whole block: the held port never comes back
        seen = {net.free_port() for _ in range(net._BLOCK)}
    assert first not in seen
