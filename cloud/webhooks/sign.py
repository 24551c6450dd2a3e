"""Webhook signatures: HMAC-SHA256 over the timestamp, the delivery id and the exact body.

Each delivery carries `X-Agrisafe-Timestamp` (Unix seconds when it was sent),
`X-Agrisafe-Delivery` (its id; the same id on every retry of one delivery) and
`X-Agrisafe-Signature: sha256=` + hex(HMAC(secret, f"{timestamp}.{delivery}." + body)).
A receiver recomputes the signature, compares it in constant time, rejects timestamps older
than a few minutes (a replayed request) and may drop delivery ids it has already processed.
"""

import hashlib
import hmac

from agrisafe.backoff import Backoff

SIGNATURE_HEADER = "X-Agrisafe-Signature"
TIMESTAMP_HEADER = "X-Agrisafe-Timestamp"
DELIVERY_HEADER = "X-Agrisafe-Delivery"
DEFAULT_TOLERANCE_S = 300


def signature(secret: str, timestamp: int, delivery: str, body: bytes) -> str:
    """The signature header value for one delivery attempt."""
    signed = f"{timestamp}.{delivery}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    body: bytes,
    header: str,
    timestamp: str,
    delivery: str,
    now_s: float,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> bool:
    """True when the signature matches and the timestamp is within `tolerance_s` of now
    (what a receiver does; a replay older than the tolerance fails)."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs(now_s - ts) > tolerance_s:
        return False
    return hmac.compare_digest(signature(secret, ts, delivery, body), header)


def backoff_ms(attempts: int, base_s: float, cap_s: float, *, jitter_s: float = 0.0) -> int:
    """Delay before the next attempt after `attempts` failures: base × 2^(n−1), capped, + jitter."""
    return int(Backoff(base_s, cap_s, jitter_s=jitter_s).delay(attempts) * 1000)
