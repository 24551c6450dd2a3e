"""The canonical byte form a signature or a chain hash covers: RFC 8785 (JCS) JSON.

JCS fixes key order, number format and string escapes, so a device in any language and the
cloud agree on the bytes without sharing a serialiser (the `rfc8785` library implements it).
"""

from collections.abc import Mapping
from typing import Any

import rfc8785

from agrisafe.protocol.validation import TRANSPORT_FIELDS

SIG_FIELD = "sig"
# Not covered by the signature: the signature itself, and what a relay may add in transit
# (TRANSPORT_FIELDS holds both).
UNSIGNED_FIELDS = frozenset({SIG_FIELD, *TRANSPORT_FIELDS})


def canonical_bytes(value: Any) -> bytes:
    """RFC 8785 canonical JSON of a JSON value (dicts, lists, str, int, float, bool, None)."""
    return rfc8785.dumps(value)


def signed_content(doc: Mapping[str, Any]) -> bytes:
    """The bytes an envelope's signature covers: the object without `sig` and transport fields."""
    return canonical_bytes({k: v for k, v in doc.items() if k not in UNSIGNED_FIELDS})
