"""End-to-end acknowledgement: the cloud tells a sender which of its messages it has committed.

A broker's PUBACK only says the broker has a message; the cloud publishes a `CloudAck` on
`agrisafe/cloud/v1/ack/{site}/{device}` after the message was committed (stored, found to be a
duplicate, or quarantined). A sender keeps each message in its durable outbox until that ack
arrives and re-sends it after a timeout; the cloud's id index makes re-sends harmless, and
duplicates are acknowledged too. Senders that ignore acks keep working (PUBACK-only mode).
"""

from typing import Annotated, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

MAX_ACK_IDS = 5000  # one ack message per sender per batch: bounded by the batch size


class CloudAck(BaseModel):
    """Message ids the cloud has committed, for one sender (site, device)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    v: Literal[1] = Field(default=1, description="protocol version")
    ids: Annotated[list[str], Field(max_length=MAX_ACK_IDS)] = Field(
        description="ids of messages stored, duplicate or quarantined: the sender may forget them"
    )
    quarantined: dict[str, str] = Field(
        default_factory=dict,
        description="of those ids, the ones the cloud quarantined, with the reason "
        "(unknown_device, schema …): the sender logs them as errors",
    )

    ts_ms: int | None = Field(
        default=None,
        description="the sender's clock against the cloud's: cloud time (epoch ms) when it "
        "sent this ack; optional (older clouds leave it out)",
    )

    def to_json(self) -> bytes:
        """Serialise as protocol JSON."""
        # Optional fields left out when empty: an old-style ack stays byte for byte the same.
        skip = {k for k in ("quarantined", "ts_ms") if not getattr(self, k)}
        return orjson.dumps(self.model_dump(mode="json", exclude=skip or None))


EXAMPLE_ACK = {"v": 1, "ids": ["01J5Z8Q0R3T6W9Y2B5D8F1H4K7", "01J5Z8Q0R3T6W9Y2B5D8F1H4K8"]}
