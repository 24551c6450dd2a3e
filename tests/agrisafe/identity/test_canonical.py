"""The fast canonical form is byte for byte RFC 8785 (the `rfc8785` library) on any JSON."""

import json
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from agrisafe.identity.canonical import canonical_bytes

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=20,
)


def _same(value: Any) -> None:
    try:
        want = rfc8785.dumps(value)
    except Exception:  # JCS has no form for it: neither may the fast path invent one
        with pytest.raises(Exception):  # noqa: B017, PT011 - whatever rfc8785 raises
            canonical_bytes(value)
        return
    assert canonical_bytes(value) == want


@settings(max_examples=2000)
@given(JSON)
def test_random_json_matches_rfc8785(value: Any) -> None:
    _same(value)


@pytest.mark.parametrize(
    "value",
    [
        1.0,
        -0.0,
        0.0001,
        0.00009999,
        0.00011,
        123.456,
        0.1 + 0.2,
        1e15 + 0.5,
        9.999e15,
        1e16,
        2.0**53,
        2**53,
        2**53 + 1,
        1e21,
        5e-324,
        -1.5e-7,
        {"b": 1, "a": 2, "中": 3, "\U0001f600": 4, "\uffff": 5},
        'ctl \x00\x01\x1f\x7f \u2028\u2029 "quote" \\ / 中文',
        "\ud800 lone surrogate",
        {"nested": [{"z": None, "y": [True, False]}, []]},
    ],
)
def test_edges_match_rfc8785(value: Any) -> None:
    _same(value)


def test_a_real_envelope_is_fast_and_identical() -> None:
    doc = json.loads(
        '{"v":1,"id":"x","kind":"rapid_test","site":"S","device":"rt-01","ts":"2026-05-01T08:00'
        ':00+08:00","body":{"inhibition_pct":42.5,"result":"negative","commodity":"黄瓜"}}'
    )
    assert canonical_bytes(doc) == rfc8785.dumps(doc)
