"""Line/CSV instruments: field maps, checksums, over-long lines, splits, flipped bytes, zeros."""

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from firmware_bridge.protocols.base import Decoded, Rejection, frames_of, rejections_of
from firmware_bridge.protocols.line import (
    LineDecoder,
    LineFormat,
    LineRecord,
    encode_line,
    parse_line,
)

FMT = LineFormat()


def decode(
    data: bytes, cuts: list[int] | None = None, fmt: LineFormat = FMT
) -> list[Decoded[LineRecord] | Rejection]:
    dec = LineDecoder(fmt)
    out: list[Decoded[LineRecord] | Rejection] = []
    prev = 0
    for cut in [*sorted(set(cuts or [])), len(data)]:
        out += dec.feed(data[prev:cut])
        prev = cut
    return out + dec.flush()


def values(pct: str = "12.5") -> dict[str, str]:
    return {
        "time": "2026-05-01 08:30:00",
        "channel": "3",
        "sample": "S-0007",
        "commodity": "黄瓜",
        "method": "enzyme_inhibition",
        "inhibition_pct": pct,
    }


texts = (
    st.text(
        alphabet=st.characters(blacklist_characters=",*\r\n", blacklist_categories=("Cs", "Cc")),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(bool)
)
records = st.fixed_dictionaries(
    {
        "channel": st.integers(0, 99).map(str),
        "sample": texts,
        "commodity": texts,
        "inhibition_pct": st.floats(-50, 150, allow_nan=False).map(lambda v: f"{v:.2f}"),
    }
)


def test_a_record_line_decodes_by_its_field_map() -> None:
    [event] = decode(encode_line(FMT, values()))
    assert isinstance(event, Decoded)
    rec = event.value
    assert rec.text == {"sample": "S-0007", "commodity": "黄瓜", "method": "enzyme_inhibition"}
    assert rec.ints == {"channel": 3}
    assert rec.floats == {"inhibition_pct": 12.5}
    assert rec.tested_at == datetime(2026, 5, 1, 8, 30)


def test_zero_is_kept_and_an_empty_column_is_absent() -> None:
    rec = parse_line(FMT, encode_line(FMT, values("0")).rstrip())
    assert rec.floats["inhibition_pct"] == 0.0
    assert "c_line" not in rec.floats


def test_bad_lines_are_rejected_with_reasons_and_the_stream_goes_on() -> None:
    good = encode_line(FMT, values())
    bad_sum = bytearray(good)
    bad_sum[10] ^= 0x01
    data = b"hello\n" + bytes(bad_sum) + b"\r\n" + good + encode_line(FMT, values("nan"))
    events = decode(data)
    assert len(frames_of(events)) == 1
    reasons = [r.reason for r in rejections_of(events)]
    assert reasons[0] == "missing '*HH' checksum"
    assert reasons[1].startswith("checksum mismatch")
    assert "not a finite number" in reasons[2]
    assert rejections_of(events)[1].offset == 6


def test_other_layouts_and_encodings() -> None:
    fmt = LineFormat(
        prefix="RES",
        delimiter=";",
        fields=("sample", "-", "t_line", "c_line"),
        checksum="sum8",
        encoding="gb2312",
    )
    line = encode_line(fmt, {"sample": "样品1", "t_line": "0.42", "c_line": "0.9"})
    [event] = decode(line, fmt=fmt)
    assert isinstance(event, Decoded)
    assert event.value.floats == {"t_line": 0.42, "c_line": 0.9}
    assert event.value.text == {"sample": "样品1"}


def test_unknown_field_names_are_refused_in_the_format() -> None:
    with pytest.raises(ValidationError, match="unknown field names"):
        LineFormat(fields=("sample", "weight"))


def test_over_long_lines_are_rejected_whole() -> None:
    fmt = LineFormat(max_line=100)
    data = b"x" * 200 + b"\n" + encode_line(fmt, values())
    events = decode(data, fmt=fmt)
    [rej] = rejections_of(events)
    assert (rej.offset, rej.length) == (0, 201)
    assert len(frames_of(events)) == 1


@settings(max_examples=300)
@given(st.binary(max_size=3000), st.lists(st.integers(0, 3000), max_size=8))
def test_random_bytes_never_raise(data: bytes, cuts: list[int]) -> None:
    assert decode(data, cuts) == decode(data)


@given(
    st.lists(
        st.tuples(records, st.sampled_from([b"", b"junk\r\n", b"\r\n", b"*00\n"])),
        min_size=1,
        max_size=6,
    ),
    st.lists(st.integers(0, 600), max_size=10),
)
def test_any_split_decodes_identically(
    parts: list[tuple[dict[str, str], bytes]], cuts: list[int]
) -> None:
    data = b"".join(encode_line(FMT, v) + junk for v, junk in parts)
    events = decode(data, cuts)
    assert events == decode(data)
    assert len(frames_of(events)) == len(parts)


@settings(max_examples=400)
@given(records, st.data())
def test_one_flipped_byte_is_never_accepted_as_different_content(
    rec: dict[str, str], data: st.DataObject
) -> None:
    line = bytearray(encode_line(FMT, rec))
    original = parse_line(FMT, bytes(line).rstrip(b"\r\n"))
    i = data.draw(st.integers(0, len(line) - 1), label="index")
    line[i] ^= data.draw(st.integers(1, 255), label="xor")
    assert all(v == original for v in frames_of(decode(bytes(line))))


@given(st.sampled_from(["0", "0.0", "0.00", "-0.0"]))
def test_a_zero_value_survives(text: str) -> None:
    [value] = frames_of(decode(encode_line(FMT, values(text))))
    assert value.floats["inhibition_pct"] == 0.0
