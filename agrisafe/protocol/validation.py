"""Parsing untrusted bytes into envelopes, with errors that name the field and the reason."""

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError

from agrisafe.protocol.enums import Kind, QuarantineReason
from agrisafe.protocol.envelope import ENVELOPE_ADAPTER, Envelope

_KIND_TAGS = {k.value for k in Kind}
# Added in transit, never part of what a device signed or of a message's content: the cloud's
# arrival time, the signature itself, and a site gateway's stamp (`gw`: its id, receive time).
TRANSPORT_FIELDS = frozenset({"at", "sig", "gw"})


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One problem with one field, e.g. `body.result`: input should be 'positive', …."""

    field: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        """JSON-ready form used in HTTP 422 bodies and quarantine details."""
        return {"field": self.field, "reason": self.reason}


class ContractError(ValueError):
    """A message that does not satisfy protocol v1."""

    def __init__(self, reason: QuarantineReason, problems: list[FieldProblem]) -> None:
        self.reason = reason
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.reason}" for p in problems))


def _field_name(loc: tuple[int | str, ...]) -> str:
    # A discriminated union prefixes locations with the chosen tag (the kind): drop it.
    parts = list(loc)
    if parts and parts[0] in _KIND_TAGS:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or "envelope"


def problems_from(err: ValidationError) -> list[FieldProblem]:
    """Turn a pydantic error into field problems a technician can read."""
    out: list[FieldProblem] = []
    for e in err.errors(include_url=False):
        kind = e["type"]
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            reason = (
                "missing"
                if kind == "union_tag_not_found"
                else f"unknown kind {e.get('ctx', {}).get('tag')!r}"
            )
            out.append(FieldProblem("kind", f"{reason}; expected one of {sorted(_KIND_TAGS)}"))
            continue
        if kind == "model_attributes_type" and not e["loc"]:
            out.append(FieldProblem("envelope", "must be a JSON object"))
            continue
        msg = str(e["msg"])
        if kind == "missing":
            msg = "field required"
        elif msg.startswith("Value error, "):
            msg = msg.removeprefix("Value error, ")
        out.append(FieldProblem(_field_name(e["loc"]), msg))
    return out


def parse_envelope(data: bytes | str) -> Envelope:
    """Parse and validate one JSON envelope; raise `ContractError` naming what is wrong."""
    try:
        return ENVELOPE_ADAPTER.validate_json(data)
    except ValidationError as err:
        if any(e["type"] == "json_invalid" for e in err.errors(include_url=False)):
            raise ContractError(
                QuarantineReason.BAD_JSON, [FieldProblem("json", _json_reason(err))]
            ) from err
        raise ContractError(QuarantineReason.SCHEMA, problems_from(err)) from err


def validate_envelope(obj: Any) -> Envelope:
    """Validate an already-decoded JSON value (e.g. one item of an HTTP array)."""
    try:
        return ENVELOPE_ADAPTER.validate_python(obj)
    except ValidationError as err:
        raise ContractError(QuarantineReason.SCHEMA, problems_from(err)) from err


def _json_reason(err: ValidationError) -> str:
    first = err.errors(include_url=False)[0]
    return str(first["msg"])


def canonical_json(envelope: Envelope) -> bytes:
    """Content of a message in one canonical byte form (sorted keys, transport fields dropped)."""
    data = envelope.model_dump(mode="json", exclude_none=True, exclude=set(TRANSPORT_FIELDS))
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def content_hash(envelope: Envelope) -> str:
    """SHA-256 of the canonical content: same id + other hash = id reuse."""
    return hashlib.sha256(canonical_json(envelope)).hexdigest()
