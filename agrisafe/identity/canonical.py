"""The canonical byte form a signature or a chain hash covers: RFC 8785 (JCS) JSON.

JCS fixes key order, number format and string escapes, so a device in any language and the
cloud agree on the bytes without sharing a serialiser (the `rfc8785` library implements it).

Every signed message and every stored record is canonicalised, so the common case takes a fast
path: orjson with sorted keys writes exactly JCS's bytes for JSON whose keys sort the same by
code point as by UTF-16 unit, whose integers are within ±2**53, and whose non-integral numbers
lie where both print positional shortest round-trip digits. Anything else goes to `rfc8785`
(tests check the two agree on random JSON).
"""

import math
from collections.abc import Mapping
from typing import Any

import orjson
import rfc8785

from agrisafe.protocol.validation import TRANSPORT_FIELDS

SIG_FIELD = "sig"
# Not covered by the signature: the signature itself, and what a relay may add in transit
# (TRANSPORT_FIELDS holds both).
UNSIGNED_FIELDS = frozenset({SIG_FIELD, *TRANSPORT_FIELDS})
_MAX_INT = 2**53
_SURROGATES = "\ud800"  # keys below it sort the same by code point and by UTF-16 unit


class _Slow(Exception):
    """This value needs the full JCS implementation."""


def _number(value: int | float) -> int | float:
    if isinstance(value, int):
        if abs(value) >= _MAX_INT:  # rfc8785 refuses these: so must we
            raise _Slow
        return value
    if not math.isfinite(value):
        raise _Slow
    if value.is_integer():
        if abs(value) >= _MAX_INT:  # JCS pads shortest digits with zeros: not int()
            raise _Slow
        return int(value)  # JCS writes 1.0 as 1 (and -0.0 as 0)
    if not 1e-4 <= abs(value) < 1e16:  # where the two switch to exponents differently
        raise _Slow
    return value


def _prepared(value: Any) -> Any:
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str) or (k and max(k) >= _SURROGATES):
                raise _Slow
            out[k] = _prepared(v)
        return out
    if isinstance(value, list | tuple):
        return [_prepared(v) for v in value]
    raise _Slow


def canonical_bytes(value: Any) -> bytes:
    """RFC 8785 canonical JSON of a JSON value (dicts, lists, str, int, float, bool, None)."""
    try:
        return orjson.dumps(_prepared(value), option=orjson.OPT_SORT_KEYS)
    except (_Slow, orjson.JSONEncodeError):  # lone surrogates and the like: JCS decides
        return rfc8785.dumps(value)


def signed_content(doc: Mapping[str, Any]) -> bytes:
    """The bytes an envelope's signature covers: the object without `sig` and transport fields."""
    return canonical_bytes({k: v for k, v in doc.items() if k not in UNSIGNED_FIELDS})
