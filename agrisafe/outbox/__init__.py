"""The durable outbox shared by the edge node and the firmware bridge (and cloud alerts)."""

from agrisafe.outbox.notices import status_message
from agrisafe.outbox.pump import OutboxPump
from agrisafe.outbox.store import (
    OutboxFull,
    OutboxItem,
    OverflowPolicy,
    Publication,
    SqliteOutbox,
)

__all__ = [
    "OutboxFull",
    "OutboxItem",
    "OutboxPump",
    "OverflowPolicy",
    "Publication",
    "SqliteOutbox",
    "status_message",
]
