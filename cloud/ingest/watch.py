"""Warnings an operator needs about the broker: batches pinned at its window, messages it drops.

Pure state machines fed by the ingest worker; they return the warning to log (or None), so
each warns once per condition rather than per batch.
"""

from dataclasses import dataclass

# Mosquitto publishes these where it has them (2.x): messages dropped for full client queues.
DROPPED_TOPICS = ("$SYS/broker/publish/messages/dropped",)


@dataclass
class PinWatch:
    """Warns when batch after batch has the same small size: the broker's in-flight window
    (3.1.1: acks wait for the commit), not the store, sets the pace."""

    batch_max: int
    repeats: int = 50
    _size: int = 0
    _count: int = 0
    _warned: bool = False

    def batch(self, size: int) -> str | None:
        """Feed one batch size; a warning the first time the pattern holds."""
        if size == self._size:
            self._count += 1
        else:
            self._size, self._count = size, 1
        if self._warned or self._count < self.repeats or size >= self.batch_max:
            return None
        self._warned = True
        return (
            f"ingest batches stay pinned at {size} messages: the broker's in-flight window "
            "limits ingest (MQTT 3.1.1; Mosquitto max_inflight_messages) — raise it or use "
            "MQTT 5 (AGRISAFE_MQTT_URL …?protocol=5)"
        )


@dataclass
class DropWatch:
    """Warns when the broker's dropped-message counter grows."""

    _last: int | None = None

    def counter(self, payload: bytes) -> str | None:
        """Feed one `$SYS` counter value; a warning with the count when it grew."""
        try:
            value = int(payload.decode().strip())
        except (UnicodeDecodeError, ValueError):
            return None
        last, self._last = self._last, value
        if value > (last if last is not None else 0):
            grown = value - (last or 0)
            return (
                f"the broker dropped {grown} message(s) (total {value}) for full client queues; "
                "senders with end-to-end acks re-send them, others lose them — raise "
                "max_queued_messages (deploy/mosquitto.conf)"
            )
        return None
