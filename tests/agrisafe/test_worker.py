"""BackgroundWorker: runs, wakes, stops, and a crash is logged."""

import logging
import threading

import pytest

from agrisafe.worker import BackgroundWorker


class Counter(BackgroundWorker):
    def __init__(self) -> None:
        super().__init__("counter")
        self.rounds = 0
        self.closed = False
        self.ticked = threading.Event()

    def run(self) -> None:
        while not self.sleep(60.0):  # only a wake() or stop() ends each wait
            self.rounds += 1
            self.ticked.set()

    def on_stop(self) -> None:
        self.closed = True


def test_wake_runs_a_round_and_stop_ends_the_thread() -> None:
    w = Counter()
    w.start()
    w.wake()
    assert w.ticked.wait(5)
    assert w.rounds == 1
    assert w.stop()
    assert not w.alive
    assert w.closed
    assert w.stopping


def test_start_twice_is_an_error() -> None:
    w = Counter()
    w.start()
    with pytest.raises(RuntimeError, match="already started"):
        w.start()
    w.stop()


class Crasher(BackgroundWorker):
    def run(self) -> None:
        raise ValueError("boom")


def test_a_crash_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    w = Crasher("crasher")
    with caplog.at_level(logging.ERROR, logger="agrisafe.worker"):
        w.start()
        w.join(5)
    assert "crasher crashed" in caplog.text
    assert not w.alive
    assert w.crashed  # a supervisor (the demo) can tell a dead worker from a finished one
    done = Counter()
    done.start()
    done.stop()
    assert not done.crashed


class Blocked(BackgroundWorker):
    """Blocks on something only closing unblocks (like a socket read)."""

    def __init__(self) -> None:
        super().__init__("blocked")
        self.gate = threading.Event()
        self.saw_stopping = False

    def run(self) -> None:
        self.gate.wait(60)
        self.saw_stopping = self.stopping


def test_request_stop_lets_a_subclass_unblock_before_the_join() -> None:
    w = Blocked()
    w.start()
    w.request_stop()
    w.gate.set()  # what a subclass's stop() does: close the socket it reads
    assert w.stop(5)
    assert w.saw_stopping  # the loop knew it was asked to stop, not that something broke


class Quitter(BackgroundWorker):
    def run(self) -> None:
        return  # a loop that ended without being asked: as dead as a crash to a supervisor


def test_died_tells_a_dead_worker_from_a_stopped_one() -> None:
    crashed, quit_ = Crasher("crasher"), Quitter("quitter")
    for w in (crashed, quit_):
        w.start()
        w.join(5)
        assert w.died
    stopped = Counter()
    stopped.start()
    assert not stopped.died  # running
    stopped.stop()
    assert not stopped.died  # asked to stop
    assert not Counter().died  # never started
