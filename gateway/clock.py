"""Each device's clock offset as the gateway sees it (pure bookkeeping, no I/O).

A message's (receive time − event time) is the device's clock offset plus its delay in transit
plus, for a record of something earlier (a harvest typed in at night), how much earlier. Only
the first part is constant, so the smallest of the recent differences estimates the offset: a
positive value is a device clock behind the gateway's (by at most the minimum latency).
"""

from collections import deque


class ClockOffsets:
    """Recent (receive − event) differences per device."""

    def __init__(self, window: int = 64) -> None:
        self.window = window
        self._seen: dict[str, deque[int]] = {}

    def observe(self, device: str, event_ms: int, rx_ms: int) -> None:
        """One message from `device`."""
        seen = self._seen.get(device)
        if seen is None:
            seen = self._seen[device] = deque(maxlen=self.window)
        seen.append(rx_ms - event_ms)

    def offsets_ms(self) -> dict[str, int]:
        """device → estimated offset in ms (gateway clock minus device clock)."""
        return {device: min(seen) for device, seen in self._seen.items() if seen}
