"""Points: outbox JSON round trip, line protocol escaping, dropping what cannot be written."""

import math
import re

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import String

from cloud.store.timeseries_tables import ts_points
from cloud.timeseries.points import (
    MAX_FIELD_CHARS,
    MAX_SERIES_CHARS,
    Point,
    PointError,
    bounded,
    from_json,
    make_point,
    to_json,
    to_line,
)

names = st.text(min_size=1, max_size=12)


def test_line_protocol_escapes_tags_and_uses_floats() -> None:
    p = make_point(
        "rapid_test",
        {"site": "S 1", "analyte": "有机磷,氨基甲酸酯", "k=v": "a=b", "empty": "", "none": None},
        {"inhibition_pct": 12, "t_c_ratio": None, "nan": math.nan},
        1_780_000_000_123,
    )
    assert p is not None
    assert to_line(p) == (
        r"rapid_test,analyte=有机磷\,氨基甲酸酯,k\=v=a\=b,site=S\ 1 inhibition_pct=12.0"
        " 1780000000123"
    )


def test_a_point_without_fields_is_no_point() -> None:
    assert make_point("telemetry", {"site": "S"}, {"x": None, "y": math.inf}, 0) is None
    with pytest.raises(PointError):
        to_line(Point("m", (), (), 0))


def test_control_characters_never_reach_a_tag() -> None:
    p = make_point("m", {"site": "a\nb\tc"}, {"v": 1.0}, 0)
    assert p is not None
    assert p.tags == (("site", "a b c"),)


@given(
    measurement=names,
    tags=st.dictionaries(names, st.text(max_size=20), max_size=5),
    fields=st.dictionaries(names, st.floats(allow_nan=False, allow_infinity=False), max_size=5),
    ts=st.integers(0, 2**53),
)
def test_outbox_json_round_trips(
    measurement: str, tags: dict[str, str], fields: dict[str, float], ts: int
) -> None:
    p = make_point(measurement, dict(tags), dict(fields), ts)
    if p is None:
        assert not fields
        return
    assert from_json(to_json(p)) == p
    line = to_line(p)
    assert line.endswith(f" {ts}")
    assert "\n" not in line


@given(st.binary(max_size=100))
def test_from_json_rejects_garbage_cleanly(raw: bytes) -> None:
    """Random bytes: a PointError, or (rarely) a real point that is exactly what was sent."""
    try:
        p = from_json(raw)
    except PointError:
        return
    assert orjson.loads(raw) == orjson.loads(to_json(p))  # accepted only when it was a point


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"null",
        b"[]",
        b'["m", {}, {}]',
        b'["m", {"a": 1}, {"f": 1.0}, 5]',  # tag value not a string
        b'["m", {}, {"f": "x"}, 5]',  # field value not a number
        b'["m", {}, {}, "5"]',  # time not an integer
        b"[1, {}, {}, 5]",
        b"\xff\xfe",
    ],
)
def test_from_json_rejects_each_malformed_shape(raw: bytes) -> None:
    with pytest.raises(PointError, match="not an outbox point"):
        from_json(raw)


def test_over_long_field_names_are_shortened_deterministically() -> None:
    long_a, long_b = "k" * 65, "k" * 64 + "x"
    p = make_point("telemetry", {"site": "S"}, {long_a: 1.0, long_b: 2.0, "fps": 3.0}, 0)
    assert p is not None
    names = [name for name, _ in p.fields]
    assert "fps" in names
    assert all(len(name) <= MAX_FIELD_CHARS for name in names)
    assert len(set(names)) == 3  # two long keys with one head stay two fields
    assert bounded(long_a, MAX_FIELD_CHARS, "_") in names  # the same key, the same name
    assert re.fullmatch(r"[A-Za-z0-9_]+", bounded(long_a, MAX_FIELD_CHARS, "_"))


def test_over_long_tags_fit_the_series_column_and_site_is_kept() -> None:
    site = "S" * 128  # the longest site id the protocol allows
    tags = {
        "site": site,
        "device": "d" * 128,
        "method": "enzyme_inhibition",
        "analyte": "\\" * 512,  # JSON doubles each
        "commodity": '"' * 512,
        "result": "positive",
    }
    p = make_point("rapid_test", tags, {"result_code": 2.0}, 0)
    again = make_point("rapid_test", tags, {"result_code": 2.0}, 0)
    assert p is not None
    assert again is not None
    assert len(p.series_key) <= MAX_SERIES_CHARS
    assert p.series_key == again.series_key
    assert p.tag("site") == site
    assert p.tag("result") == "positive"
    assert p.tag("analyte") != p.tag("commodity")


def test_tags_that_fit_are_left_alone() -> None:
    tags = {"site": "S", "analyte": "有" * 300, "commodity": "黄瓜"}
    p = make_point("rapid_test", tags, {"result_code": 2.0}, 0)
    assert p is not None
    assert dict(p.tags) == tags


def test_the_sql_columns_hold_what_points_are_bounded_to() -> None:
    def length(column: str) -> int:
        kind = ts_points.c[column].type
        assert isinstance(kind, String)
        assert kind.length is not None
        return kind.length

    assert length("field") >= MAX_FIELD_CHARS
    assert length("series") >= MAX_SERIES_CHARS
    assert length("site") >= 128  # a protocol Ident, never shortened
