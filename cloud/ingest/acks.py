"""End-to-end acks: after a commit, the ids each sender may forget (docs/protocol.md).

Pure: a batch and its outcomes in, (topic, payload) pairs out — one message per sender and
batch, carrying every id of that sender the batch stored, found duplicate or quarantined (the
quarantined ones also with their reason, so that the sender can say so).
The sender is the topic's site and device (for a message quarantined before its envelope was
read, the topic is all we know of it).
"""

import time
from collections.abc import Iterator, Sequence

from agrisafe.protocol import CloudAck
from agrisafe.protocol.ack import MAX_ACK_IDS
from agrisafe.protocol.topics import ack_topic
from cloud.domain import Incoming, Outcome
from cloud.ingest.decode import topic_parts


def cloud_acks(
    batch: Sequence[Incoming], outcomes: Sequence[Outcome]
) -> Iterator[tuple[str, bytes]]:
    """(ack topic, payload) for each sender in the batch."""
    by_sender: dict[tuple[str, str], list[str]] = {}
    rejected: dict[tuple[str, str], dict[str, str]] = {}
    for item, outcome in zip(batch, outcomes, strict=True):
        if outcome.message_id is None or item.topic is None:
            continue
        parts = topic_parts(item.topic)
        if parts is None:
            continue
        sender = (parts.site, parts.device)
        by_sender.setdefault(sender, []).append(outcome.message_id)
        if outcome.rejection is not None:
            # Told to the sender, so that a bridge whose every message is refused says so.
            reason = outcome.rejection.reason.value
            rejected.setdefault(sender, {})[outcome.message_id] = reason
    for sender, ids in by_sender.items():
        why = rejected.get(sender, {})
        for start in range(0, len(ids), MAX_ACK_IDS):
            chunk = ids[start : start + MAX_ACK_IDS]
            quarantined = {i: why[i] for i in chunk if i in why}
            payload = CloudAck(ids=chunk, quarantined=quarantined, ts_ms=_now_ms()).to_json()
            yield ack_topic(*sender), payload


def _now_ms() -> int:
    # The cloud's clock, for senders without NTP (a gateway reports its offset from it).
    return time.time_ns() // 1_000_000
