"""The background-worker lifecycle every long-running loop shares: start, stop, join, wake.

A subclass writes `run()` and calls `self.sleep(s)` between rounds; `sleep` returns True when
it is time to stop, so loops read `while not self.sleep(period): …`. One place decides how a
thread is named, that it is a daemon, how long `stop` waits, and that a crash is logged rather
than lost silently with the thread.
"""

import logging
import threading

logger = logging.getLogger(__name__)


class BackgroundWorker:
    """A named daemon thread with a stop flag and a wake-up event."""

    def __init__(self, name: str, *, join_timeout_s: float = 5.0) -> None:
        self.name = name
        self.join_timeout_s = join_timeout_s
        self._stop_event = threading.Event()
        self._wake_event = threading.Event()
        self._thread: threading.Thread | None = None
        self.crashed = False  # run() raised: whoever supervises decides (the demo fails)

    # -- what subclasses write -------------------------------------------------------------
    def run(self) -> None:
        """The loop; return when `stopping` is true."""
        raise NotImplementedError

    def on_stop(self) -> None:
        """Called once after the thread has been joined (close clients, flush)."""

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is not None:
            raise RuntimeError(f"{self.name}: already started")
        self._thread = threading.Thread(target=self._main, name=self.name, daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the loop to end without waiting (then unblock what it waits on, then `stop()`)."""
        self._stop_event.set()
        self._wake_event.set()

    def stop(self, timeout_s: float | None = None) -> bool:
        """Ask the loop to end, wait for it, then `on_stop()`; False if it did not end in time."""
        self.request_stop()
        ended = True
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(self.join_timeout_s if timeout_s is None else timeout_s)
            ended = not self._thread.is_alive()
            if not ended:
                logger.warning("%s did not stop within %.1f s", self.name, self.join_timeout_s)
        self.on_stop()
        return ended

    def wake(self) -> None:
        """Cut the current `sleep` short (new work is waiting)."""
        self._wake_event.set()

    @property
    def stopping(self) -> bool:
        """True once `stop()` was called."""
        return self._stop_event.is_set()

    @property
    def alive(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def died(self) -> bool:
        """True when the thread ended without `stop()` being asked: it crashed (`crashed`) or
        its loop returned early. A supervisor exits on it rather than run on without it."""
        ended = self._thread is not None and not self._thread.is_alive()
        return self.crashed or (ended and not self.stopping)

    def sleep(self, seconds: float) -> bool:
        """Wait up to `seconds` or until woken; True when the worker should stop."""
        if self._wake_event.wait(seconds):
            self._wake_event.clear()
        return self._stop_event.is_set()

    def join(self, timeout_s: float | None = None) -> None:
        """Wait for the thread to end by itself."""
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _main(self) -> None:
        try:
            self.run()
        except Exception:
            # A dead worker must be visible in the log, not a silently missing thread.
            self.crashed = True
            logger.exception("%s crashed", self.name)
