"""Reconnect and retry delays: exponential growth with jitter, one implementation for all.

The delays come from tenacity's `wait_exponential_jitter` (a maintained library) so many devices
that lost the same broker or cloud at the same moment do not retry in lock-step.
"""

from tenacity import RetryCallState, wait_exponential_jitter


class Backoff:
    """Successive delays `initial_s`, ×2 each failure, capped at `max_s`, each with jitter.

    `next()` after a failure, `reset()` after a success. `delay(attempt)` is the stateless form
    for callers that store the attempt count themselves (webhook deliveries in a table).
    """

    def __init__(self, initial_s: float, max_s: float, *, jitter_s: float | None = None) -> None:
        if initial_s <= 0 or max_s < initial_s:
            raise ValueError(f"backoff needs 0 < initial_s <= max_s (got {initial_s}, {max_s})")
        self.initial_s = initial_s
        self.max_s = max_s
        # Jitter of up to a quarter of the first delay by default: enough to spread a fleet,
        # small enough that a test waiting on a quick retry still sees it quickly.
        jitter = initial_s / 4 if jitter_s is None else jitter_s
        self._wait = wait_exponential_jitter(multiplier=initial_s, max=max_s, jitter=jitter)
        self._attempt = 0

    def delay(self, attempt: int) -> float:
        """The delay before retry number `attempt` (1 = the first retry), capped at `max_s`."""
        state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
        state.attempt_number = max(attempt, 1)
        return min(float(self._wait(state)), self.max_s)

    def next(self) -> float:
        """The delay to wait after one more failure."""
        self._attempt += 1
        return self.delay(self._attempt)

    def reset(self) -> None:
        """A success: the next failure starts again from `initial_s`."""
        self._attempt = 0

    @property
    def failures(self) -> int:
        """Failures since the last success."""
        return self._attempt
