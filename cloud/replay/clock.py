"""The simulated clock of a replay: it only moves forward, to each line's arrival time."""

from agrisafe.timeutil import Clock


class SimulatedClock(Clock):
    """`Clock` whose time is set by the replay, never by the wall."""

    def __init__(self, start_ms: int = 0) -> None:
        self._now_ms = start_ms

    def now_ms(self) -> int:
        """The simulated now."""
        return self._now_ms

    def advance_to(self, ms: int) -> int:
        """clock = max(clock, ms); return the new time."""
        self._now_ms = max(self._now_ms, ms)
        return self._now_ms
