"""Webhook signatures: HMAC-SHA256 of the exact request body with the webhook's secret.

Receivers recompute `sha256=` + hex(HMAC(secret, body)) and compare it with the
`X-Agrisafe-Signature` header in constant time.
"""

import hashlib
import hmac

from agrisafe.backoff import Backoff

SIGNATURE_HEADER = "X-Agrisafe-Signature"


def signature(secret: str, body: bytes) -> str:
    """The header value for a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """True when the header matches the body (what a receiver does)."""
    return hmac.compare_digest(signature(secret, body), header)


def backoff_ms(attempts: int, base_s: float, cap_s: float, *, jitter_s: float = 0.0) -> int:
    """Delay before the next attempt after `attempts` failures: base × 2^(n−1), capped, + jitter."""
    return int(Backoff(base_s, cap_s, jitter_s=jitter_s).delay(attempts) * 1000)
