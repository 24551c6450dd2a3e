"""End-to-end acks: after a commit, the ids each sender may forget (docs/protocol.md).

Pure: a batch and its outcomes in, (topic, payload) pairs out — one message per sender and
batch, carrying every id of that sender the batch stored, found duplicate or quarantined.
The sender is the topic's site and device (for a message quarantined before its envelope was
read, the topic is all we know of it).
"""

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
    for item, outcome in zip(batch, outcomes, strict=True):
        if outcome.message_id is None or item.topic is None:
            continue
        parts = topic_parts(item.topic)
        if parts is None:
            continue
        by_sender.setdefault((parts.site, parts.device), []).append(outcome.message_id)
    for (site, device), ids in by_sender.items():
        for start in range(0, len(ids), MAX_ACK_IDS):
            payload = CloudAck(ids=ids[start : start + MAX_ACK_IDS]).to_json()
            yield ack_topic(site, device), payload
