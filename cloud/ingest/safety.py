"""JSON values no store can hold faithfully, found before the schema sees them.

pydantic accepts `NaN`, `Infinity` and integers of any size, and PostgreSQL's JSONB refuses
`\\u0000`; `orjson` turns integers above 64 bits into floats and cannot dump them back. A
message with any of these is refused with the field and the reason (`unsafe_json`), never
stored half-right and never allowed to raise further down. Pure; one pass of the stdlib parser
(its hooks see every number as written) and one iterative walk.
"""

import json
import math
import re
from typing import Any

from agrisafe.protocol import FieldProblem

INT64_MIN = -(2**63)
INT64_MAX = 2**64 - 1  # unsigned 64-bit still fits orjson and BIGINT-sized counters
MAX_DEPTH = 32  # an envelope nests 4 deep; extras get room, parsers and walkers stay bounded


# NUL (JSONB refuses it) and lone surrogates (no UTF-8 form: drivers and orjson refuse them).
_BAD_CHAR = re.compile("[\x00\ud800-\udfff]")
_WHY = "contains a NUL character (\\u0000) or a lone surrogate"


class UnsafeValue(ValueError):
    """A JSON value outside what the cloud stores (message says which and why)."""


def _int(text: str) -> int:
    if len(text) > 21:  # cheaper than converting a 4,000-digit number first
        raise UnsafeValue(f"integer {text[:24]}… is beyond 64 bits")
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise UnsafeValue(f"integer {text} is beyond 64 bits")
    return value


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UnsafeValue(f"number {text[:24]} is not finite")
    return value


def _constant(text: str) -> float:
    raise UnsafeValue(f"{text} is not a JSON number (non-finite numbers are refused)")


_DECODER = json.JSONDecoder(parse_int=_int, parse_float=_float, parse_constant=_constant)


def _walk(doc: Any, max_depth: int) -> FieldProblem | None:
    stack: list[tuple[Any, str, int]] = [(doc, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > max_depth:
            return FieldProblem(path or "envelope", f"nested deeper than {max_depth} levels")
        if isinstance(value, str):
            if _BAD_CHAR.search(value):
                return FieldProblem(path or "envelope", _WHY)
        elif isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                if _BAD_CHAR.search(key):
                    return FieldProblem(where, f"key {_WHY}")
                stack.append((item, where, depth + 1))
        elif isinstance(value, list):
            stack.extend(
                (item, f"{path}.{i}" if path else str(i), depth + 1) for i, item in enumerate(value)
            )
    return None


def unsafe_problem(payload: bytes, max_depth: int = MAX_DEPTH) -> FieldProblem | None:
    """Why this JSON cannot be stored as sent, or None when it can (or is not JSON at all:
    the schema step names that)."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return None  # bad_json, named by the schema step
    try:
        doc = _DECODER.decode(text)
    except UnsafeValue as err:
        return FieldProblem("json", str(err))
    except RecursionError:
        return FieldProblem("json", f"nested deeper than {max_depth} levels")
    except ValueError:
        return None  # not JSON: bad_json, named by the schema step
    return _walk(doc, max_depth)


def split_array(payload: bytes) -> list[bytes] | None:
    """The items of a JSON array, each as its own JSON document; None when the body is not an
    array of safe JSON (then it is validated as one message, which names the problem).

    The stdlib parser keeps big integers exact (orjson would turn them into floats unseen).
    """
    try:
        doc = _DECODER.decode(payload.decode("utf-8"))
    except (UnsafeValue, ValueError, RecursionError):
        return None
    if not isinstance(doc, list):
        return None
    # ASCII escapes keep NUL and lone surrogates visible to `unsafe_problem` on each item.
    return [json.dumps(item).encode("ascii") for item in doc]
