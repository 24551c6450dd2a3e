"""The site boundary: what a gateway relays, and why it keeps the rest back (pure).

A message belongs to this site when its topic is a device message topic of this site, it is an
envelope of protocol v1 whose site, device and kind agree with the topic, and — where the site
requires signatures, or wherever the device has a key and the message a signature — it is signed
by that device's key; its JSON must be what the cloud's parser reads (orjson: UTF-8 without a
BOM). What passes is stamped (`gw`: this gateway and its receive time, a transport field outside
the signature and the content hash) and relayed; the rest is kept locally with its raw bytes and
the reason.
"""

import codecs
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import orjson

from agrisafe.identity import SignatureCheck, VerifyKey, verify_document
from agrisafe.protocol import QuarantineReason
from agrisafe.protocol.topics import TopicError, parse_message_topic
from agrisafe.protocol.validation import ContractError, validate_envelope
from agrisafe.timeutil import to_ms


@dataclass(frozen=True)
class BoundaryRules:
    """What this gateway accepts."""

    site: str
    gateway: str
    signatures_required: bool = False
    keys: Mapping[str, VerifyKey] = field(default_factory=dict)
    max_bytes: int = 64 * 1024


@dataclass(frozen=True, slots=True)
class Accepted:
    """A message to relay: the stamped payload, its sender and event time."""

    device: str
    message_id: str
    ts_ms: int
    payload: bytes


@dataclass(frozen=True, slots=True)
class Rejected:
    """A message kept back, and why."""

    reason: QuarantineReason
    detail: str
    device: str | None = None
    message_id: str | None = None


def check(topic: str, payload: bytes, rx_ms: int, rules: BoundaryRules) -> Accepted | Rejected:
    """Accept (stamped) or reject one message received on the site broker."""
    if len(payload) > rules.max_bytes:
        return Rejected(QuarantineReason.TOO_LARGE, f"{len(payload)} bytes > {rules.max_bytes}")
    try:
        where = parse_message_topic(topic)
    except TopicError as err:
        return Rejected(QuarantineReason.UNKNOWN_TOPIC, str(err))
    if where.site != rules.site:
        why = f"site {where.site!r} is not this gateway's site {rules.site!r}"
        return Rejected(QuarantineReason.OUT_OF_SCOPE, why, where.device)
    doc = _parse(payload, where.device)
    if isinstance(doc, Rejected):
        return doc
    try:
        env = validate_envelope(doc)
    except ContractError as err:
        return Rejected(err.reason, str(err), where.device, _id(doc))
    if (env.site, env.device, str(env.kind)) != (where.site, where.device, str(where.kind)):
        why = f"envelope says {env.site}/{env.device}/{env.kind}, topic {topic}"
        return Rejected(QuarantineReason.TOPIC_MISMATCH, why, where.device, env.id)
    bad = _signature_problem(doc, where.device, rules)
    if bad is not None:
        return Rejected(QuarantineReason.BAD_SIGNATURE, bad, where.device, env.id)
    return Accepted(where.device, env.id, to_ms(env.ts), stamp(payload, rules.gateway, rx_ms))


def stamp(payload: bytes, gateway: str, rx_ms: int) -> bytes:
    """The payload with `gw` added as its last member, every other byte as the device sent it
    (re-serialising could change numbers; the cloud then sees exactly what the device wrote)."""
    body = payload.rstrip()
    gw = orjson.dumps({"id": gateway, "rx_ms": rx_ms})
    sep = b"" if body.rstrip(b"{ \t\r\n") == b"" else b","
    return body[:-1].rstrip() + sep + b'"gw":' + gw + b"}"


class _Unsafe(ValueError):
    """JSON that parses but must not pass: NaN/Infinity, integers beyond 64 bits."""


def _int(text: str) -> int:
    value = int(text)
    if not -(2**63) <= value < 2**64:
        raise _Unsafe(f"integer {text[:40]} is beyond 64 bits")
    return value


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Unsafe(f"number {text[:40]} overflows a double")
    return value


def _constant(text: str) -> float:
    raise _Unsafe(f"{text} is not JSON")


def _utf8(payload: bytes) -> str:
    """The payload as text, if it is UTF-8 without a byte order mark — what the cloud's parser
    (orjson) reads. `json.loads(bytes)` would also take UTF-16/32 and a BOM, and the ASCII stamp
    appended to those bytes would reach the cloud unparseable after the device forgot them."""
    if payload.startswith(codecs.BOM_UTF8):
        raise ValueError("starts with a UTF-8 byte order mark: send UTF-8 JSON without a BOM")
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"not UTF-8 ({err.reason} at byte {err.start})") from err


def _strict_json(payload: bytes) -> object:
    text = _utf8(payload)
    doc = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    # What is relayed, the cloud must be able to read: orjson also refuses what the stdlib
    # parser lets through (lone surrogate escapes, UTF-16 text that decodes as UTF-8 with NULs).
    orjson.loads(payload)
    return doc


def _parse(payload: bytes, device: str) -> dict[str, object] | Rejected:
    try:
        doc = _strict_json(payload)
    except _Unsafe as err:
        return Rejected(QuarantineReason.UNSAFE_JSON, str(err), device)
    except (ValueError, RecursionError) as err:  # orjson.JSONDecodeError is a ValueError
        return Rejected(QuarantineReason.BAD_JSON, str(err)[:300], device)
    if not isinstance(doc, dict):
        return Rejected(QuarantineReason.SCHEMA, "envelope: must be a JSON object", device)
    if "gw" in doc:
        why = "gw is the gateway's stamp: a device may not set it"
        return Rejected(QuarantineReason.SCHEMA, why, device, _id(doc))
    return doc


def _signature_problem(doc: dict[str, object], device: str, rules: BoundaryRules) -> str | None:
    key = rules.keys.get(device)
    if key is None:
        if rules.signatures_required:
            return "the site requires signatures and this gateway has no key for the device"
        return None  # nothing to check it against here; the cloud checks it
    if "sig" not in doc and not rules.signatures_required:
        return None
    check_ = verify_document(doc, key)
    return None if check_ is SignatureCheck.VALID else f"signature {check_.value}"


def _id(doc: object) -> str | None:
    value = doc.get("id") if isinstance(doc, dict) else None
    return value if isinstance(value, str) else None
