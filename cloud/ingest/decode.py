"""Pure decoding of one received message: size, topic, JSON, schema, topic/envelope agreement.

This is the ingest hot path (every message passes here once): topics repeat per device, so
their parse is cached, and the envelope is dumped once for both the stored JSON and the
content hash.
"""

import hashlib
import re
from functools import lru_cache
from typing import Any

import orjson

from agrisafe.protocol import ContractError, Envelope, FieldProblem, QuarantineReason
from agrisafe.protocol.topics import MessageTopic, TopicError, parse_message_topic
from agrisafe.protocol.validation import TRANSPORT_FIELDS, parse_envelope
from cloud.domain import MAX_MESSAGE_BYTES, Incoming, Rejection
from cloud.ingest.safety import MAX_DEPTH, unsafe_problem

_ID_TEXT = re.compile(rb'"id"\s*:\s*"([A-Za-z0-9][A-Za-z0-9_-]{0,63})"')


def guess_id(payload: bytes) -> str | None:
    """The message's `id` if one can be read, for finding a rejected message."""
    # Best effort, to let an operator find a rejected message by id; never raises.
    try:
        obj = orjson.loads(payload)
    except orjson.JSONDecodeError:
        # Not JSON orjson reads (NaN, 1e400, …): an id written as protocol ids are still counts.
        found = _ID_TEXT.search(payload[:65536])
        return found.group(1).decode() if found else None
    value = obj.get("id") if isinstance(obj, dict) else None
    return value[:64] if isinstance(value, str) else None


@lru_cache(maxsize=65536)
def _topic(topic: str) -> MessageTopic | str:
    # Cached: a device publishes on the same few topics all day. Errors are cached as text.
    try:
        return parse_message_topic(topic)
    except TopicError as err:
        return str(err)


def topic_parts(topic: str) -> MessageTopic | None:
    """The site, device and kind of a device topic, or None (cached)."""
    parsed = _topic(topic)
    return None if isinstance(parsed, str) else parsed


def decode(
    item: Incoming, max_bytes: int = MAX_MESSAGE_BYTES, max_depth: int = MAX_DEPTH
) -> Envelope | Rejection:
    """Validate one message; return the envelope or the reason to quarantine it."""
    size = len(item.payload)
    if size > max_bytes:
        return Rejection(
            QuarantineReason.TOO_LARGE,
            [FieldProblem("payload", f"{size} bytes > limit {max_bytes}")],
        )
    parsed_topic: MessageTopic | None = None
    if item.topic is not None:
        topic_or_error = _topic(item.topic)
        if isinstance(topic_or_error, str):
            return Rejection(
                QuarantineReason.UNKNOWN_TOPIC,
                [FieldProblem("topic", topic_or_error)],
                guess_id(item.payload),
            )
        parsed_topic = topic_or_error
    unsafe = unsafe_problem(item.payload, max_depth)
    if unsafe is not None:
        return Rejection(QuarantineReason.UNSAFE_JSON, [unsafe], guess_id(item.payload))
    try:
        env = parse_envelope(item.payload)
    except ContractError as err:
        return Rejection(err.reason, err.problems, guess_id(item.payload))
    if parsed_topic is not None and (
        env.site != parsed_topic.site
        or env.device != parsed_topic.device
        or env.kind != parsed_topic.kind
    ):
        wrong = [
            FieldProblem(name, f"envelope says {got!r}, topic says {want!r}")
            for name, got, want in (
                ("site", env.site, parsed_topic.site),
                ("device", env.device, parsed_topic.device),
                ("kind", env.kind.value, parsed_topic.kind.value),
            )
            if got != want
        ]
        return Rejection(QuarantineReason.TOPIC_MISMATCH, wrong, env.id)
    return env


def dump_and_hash(env: Envelope) -> tuple[dict[str, Any], str]:
    """The envelope as stored JSON and its content hash, from one dump.

    Equal to `agrisafe.protocol.content_hash(env)` (tested): the canonical form is the same dump
    without transport fields, keys sorted.
    """
    doc = env.model_dump(mode="json", exclude_none=True)
    content = {k: v for k, v in doc.items() if k not in TRANSPORT_FIELDS}
    digest = hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return doc, digest
