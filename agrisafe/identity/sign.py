"""Detached Ed25519 signatures on envelopes: `sig` = {alg, key_id, value} over the JCS form.

The signer signs the JSON object it sends (without `sig` and transport fields); a verifier
checks the object exactly as received, so no serialiser on either side has to match the other's.
"""

import base64
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import orjson
from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError

from agrisafe.identity.canonical import SIG_FIELD, signed_content
from agrisafe.identity.keys import SigningKey, VerifyKey, key_id

ALG = "Ed25519"


class SignatureCheck(StrEnum):
    """Outcome of checking one message's signature."""

    VALID = "valid"
    MISSING = "missing"
    MALFORMED = "malformed"  # not an object with alg/key_id/value, or not JSON at all
    WRONG_KEY = "wrong_key"  # signed with a key other than the sender's registered one
    INVALID = "invalid"  # the bytes do not match the signature


def sign_document(
    doc: Mapping[str, Any], key: SigningKey, kid: str | None = None
) -> dict[str, Any]:
    """A copy of the envelope object with its `sig` (any old `sig` replaced)."""
    value = key.sign(signed_content(doc))
    sig = {
        "alg": ALG,
        "key_id": kid or key_id(key),
        "value": base64.urlsafe_b64encode(value).rstrip(b"=").decode(),
    }
    return {**{k: v for k, v in doc.items() if k != SIG_FIELD}, SIG_FIELD: sig}


def sign_payload(payload: bytes, key: SigningKey, kid: str | None = None) -> bytes:
    """Envelope JSON bytes in, the same envelope with its `sig` out."""
    return orjson.dumps(sign_document(orjson.loads(payload), key, kid))


def verify_document(
    doc: Mapping[str, Any], key: VerifyKey, kid: str | None = None
) -> SignatureCheck:
    """Check the `sig` of an envelope object against the sender's public key."""
    sig = doc.get(SIG_FIELD)
    if sig is None:
        return SignatureCheck.MISSING
    raw = _signature_bytes(sig)
    if raw is None:
        return SignatureCheck.MALFORMED
    if sig["key_id"] != (kid or key_id(key)):
        return SignatureCheck.WRONG_KEY
    try:
        content = signed_content(doc)
    except ValueError:  # JCS has no form for it (an integer beyond 2**53, NaN)
        return SignatureCheck.MALFORMED
    try:
        # libsodium, not OpenSSL: half the cost per message, and cffi releases the GIL, so
        # ingest's verifier pool really runs beside the rest of ingest (bench/trust).
        crypto_sign_open(raw + content, key.public_bytes_raw())
    except BadSignatureError:
        return SignatureCheck.INVALID
    return SignatureCheck.VALID


def verify_payload(payload: bytes, key: VerifyKey, kid: str | None = None) -> SignatureCheck:
    """`verify_document` on raw envelope bytes (as received)."""
    try:
        doc = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return SignatureCheck.MALFORMED
    if not isinstance(doc, dict):
        return SignatureCheck.MALFORMED
    return verify_document(doc, key, kid)


def _signature_bytes(sig: Any) -> bytes | None:
    if not isinstance(sig, dict) or sig.get("alg") != ALG:
        return None
    value, kid = sig.get("value"), sig.get("key_id")
    if not isinstance(value, str) or not isinstance(kid, str) or len(value) > 128:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError:
        return None
    return raw if len(raw) == 64 else None
