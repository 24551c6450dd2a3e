"""Pure decoding of one received message: size, topic, JSON, schema, topic/envelope agreement."""

from dataclasses import dataclass, field
from enum import StrEnum

import orjson

from agrisafe.protocol import ContractError, Envelope, FieldProblem, QuarantineReason
from agrisafe.protocol.topics import TopicError, parse_message_topic
from agrisafe.protocol.validation import parse_envelope

MAX_MESSAGE_BYTES = 256 * 1024


class Source(StrEnum):
    """How a message reached the cloud."""

    MQTT = "mqtt"
    HTTP = "http"
    REPLAY = "replay"


@dataclass(slots=True)
class Incoming:
    """One received message before validation."""

    payload: bytes
    topic: str | None
    source: Source
    received_ms: int
    token: tuple[int, int] | None = None  # MQTT (mid, qos) to acknowledge after commit


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a message goes to quarantine, with the fields at fault."""

    reason: QuarantineReason
    problems: list[FieldProblem] = field(default_factory=list)
    message_id: str | None = None

    @property
    def detail(self) -> str:
        """Human-readable reason stored with the raw bytes."""
        text = "; ".join(f"{p.field}: {p.reason}" for p in self.problems)
        return text or self.reason.value

    def as_dict(self) -> dict[str, object]:
        """JSON body for HTTP errors."""
        return {
            "reason": self.reason.value,
            "id": self.message_id,
            "errors": [p.as_dict() for p in self.problems],
        }


def _guess_id(payload: bytes) -> str | None:
    # Best effort, to let an operator find a rejected message by id; never raises.
    try:
        obj = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    value = obj.get("id") if isinstance(obj, dict) else None
    return value[:64] if isinstance(value, str) else None


def decode(item: Incoming, max_bytes: int = MAX_MESSAGE_BYTES) -> Envelope | Rejection:
    """Validate one message; return the envelope or the reason to quarantine it."""
    size = len(item.payload)
    if size > max_bytes:
        return Rejection(
            QuarantineReason.TOO_LARGE,
            [FieldProblem("payload", f"{size} bytes > limit {max_bytes}")],
        )
    parsed_topic = None
    if item.topic is not None:
        try:
            parsed_topic = parse_message_topic(item.topic)
        except TopicError as err:
            return Rejection(
                QuarantineReason.UNKNOWN_TOPIC,
                [FieldProblem("topic", str(err))],
                _guess_id(item.payload),
            )
    try:
        env = parse_envelope(item.payload)
    except ContractError as err:
        return Rejection(err.reason, err.problems, _guess_id(item.payload))
    if parsed_topic is not None:
        wrong = [
            FieldProblem(name, f"envelope says {got!r}, topic says {want!r}")
            for name, got, want in (
                ("site", env.site, parsed_topic.site),
                ("device", env.device, parsed_topic.device),
                ("kind", env.kind.value, parsed_topic.kind.value),
            )
            if got != want
        ]
        if wrong:
            return Rejection(QuarantineReason.TOPIC_MISMATCH, wrong, env.id)
    return env
