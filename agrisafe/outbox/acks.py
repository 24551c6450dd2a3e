"""Which outbox rows wait for the cloud's end-to-end ack (protocol: "End-to-end acknowledgement").

Owned by the pump thread alone. A row is tracked from its first publish: its PUBACK starts the
re-send clock, the cloud's ack (by message id) lets the pump delete it — whichever order they
arrive in. The cloud's time in its acks also gives this box's clock offset (`CloudClock`).
"""

from collections import deque
from dataclasses import dataclass
from functools import lru_cache

import orjson

from agrisafe.protocol.topics import MessageTopic, TopicError, parse_message_topic


@lru_cache(maxsize=4096)
def device_topic(topic: str) -> MessageTopic | None:
    """The parts of a device → cloud topic, or None for any other topic (alerts, commands)."""
    try:
        return parse_message_topic(topic)
    except TopicError:
        return None


def message_id(payload: bytes) -> str | None:
    """The envelope's id, or None when the payload has none (then PUBACK alone deletes it)."""
    try:
        doc = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    value = doc.get("id") if isinstance(doc, dict) else None
    return value if isinstance(value, str) else None


@dataclass(slots=True)
class _Waiting:
    seq: int
    sent_at: float | None  # None until the broker's PUBACK: no re-send clock before that


class AckTracker:
    """Rows sent and not yet acknowledged by the cloud, by message id.

    One id can sit in several rows: a node killed before its rows were acknowledged replays the
    same activity with the same id (the ids are derived from the reading), so the outbox holds
    both copies. The cloud's ack for that id settles every row carrying it.
    """

    def __init__(self) -> None:
        self._by_id: dict[str, dict[int, _Waiting]] = {}
        self._ids: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def sent(self, seq: int, msg_id: str) -> None:
        """A row was published (again): wait for its PUBACK, then for the cloud."""
        self._by_id.setdefault(msg_id, {})[seq] = _Waiting(seq, None)
        self._ids[seq] = msg_id

    def tracks(self, seq: int) -> bool:
        """True when the row waits for the cloud (so its PUBACK must not delete it)."""
        return seq in self._ids

    def puback(self, seq: int, now: float) -> None:
        """The broker has the row: start its re-send clock."""
        msg_id = self._ids.get(seq)
        if msg_id is not None:
            self._by_id[msg_id][seq].sent_at = now

    def acked(self, ids: list[str]) -> list[int]:
        """The cloud committed these ids: the rows to delete (every row carrying one)."""
        seqs = []
        for msg_id in ids:
            for seq in self._by_id.pop(msg_id, {}):
                self._ids.pop(seq, None)
                seqs.append(seq)
        return seqs

    def due(self, now: float, timeout_s: float) -> list[int]:
        """Rows whose ack is overdue (oldest first), to publish again."""
        late = [
            w.seq
            for rows in self._by_id.values()
            for w in rows.values()
            if w.sent_at is not None and now - w.sent_at > timeout_s
        ]
        return sorted(late)

    def forget(self, seq: int) -> None:
        """Stop tracking a row (it is re-sent and tracked anew)."""
        msg_id = self._ids.pop(seq, None)
        if msg_id is not None:
            rows = self._by_id.get(msg_id, {})
            rows.pop(seq, None)
            if not rows:
                self._by_id.pop(msg_id, None)

    def clear(self) -> None:
        """After a reconnect everything is sent again from the oldest row."""
        self._by_id.clear()
        self._ids.clear()


class CloudClock:
    """This box's clock against the cloud's, from the cloud's time in its acks (no NTP needed).

    (cloud time − our receive time) is the offset minus the ack's transit delay, so the largest
    recent value is the best estimate: positive means our clock is behind the cloud's.
    """

    def __init__(self, window: int = 32) -> None:
        self._seen: deque[int] = deque(maxlen=window)

    def observe(self, cloud_ms: int, local_ms: int) -> None:
        """One ack: the cloud's time in it, ours when it arrived."""
        self._seen.append(cloud_ms - local_ms)

    def offset_ms(self) -> int | None:
        """Estimated (cloud clock − this clock) in ms, or None before the first ack."""
        return max(self._seen) if self._seen else None
