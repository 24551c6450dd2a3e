"""TY16 blocks: layout, round trips, resynchronisation, splits, flipped bytes, zeros."""

import itertools
import math
import struct
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_bridge.protocols.base import Decoded, Rejection, frames_of, rejections_of
from firmware_bridge.protocols.ty16 import (
    ACK,
    BLOCK_SIZE,
    END,
    Ty16Block,
    Ty16Channel,
    Ty16Decoder,
    Ty16Message,
    Ty16Reply,
    encode_block,
)

WHEN = datetime(2026, 5, 1, 8, 30, 15)


def decode(data: bytes, cuts: list[int] | None = None) -> list[Decoded[Ty16Message] | Rejection]:
    dec = Ty16Decoder()
    out: list[Decoded[Ty16Message] | Rejection] = []
    prev = 0
    for cut in [*sorted(set(cuts or [])), len(data)]:
        out += dec.feed(data[prev:cut])
        prev = cut
    return out + dec.flush()


# float32-exact values so that a round trip compares equal
values = st.one_of(st.none(), st.floats(-1000, 1000, width=32, allow_nan=False), st.just(0.0))


@st.composite
def blocks(draw: st.DrawFn) -> Ty16Block:
    chans = sorted(draw(st.sets(st.integers(1, 8), max_size=8)))
    channels = tuple(
        Ty16Channel(ch, draw(values), draw(st.integers(0, 65535)), draw(st.integers(0, 255)))
        for ch in chans
    )
    when = draw(st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31))).replace(microsecond=0)
    return Ty16Block(draw(st.integers(0, 255)), when, channels)


items = st.one_of(
    blocks().map(lambda b: (encode_block(b), b)),
    st.sampled_from([ACK, END]).map(lambda c: (bytes([0xBF, c]), Ty16Reply(c))),
)
streams = st.lists(st.tuples(items, st.binary(max_size=20)), min_size=1, max_size=5)


def test_block_layout_matches_the_documented_offsets() -> None:
    block = Ty16Block(9, WHEN, (Ty16Channel(1, 0.0, 7, 0), Ty16Channel(3, 63.5, 8, 0)))
    raw = encode_block(block)
    assert len(raw) == BLOCK_SIZE == 75
    assert raw[0] == 0xB1
    assert raw[1] == 9
    assert raw[2:9] == struct.pack("<HBBBBB", 2026, 5, 1, 8, 30, 15)  # timestamp: bytes 2–8
    assert raw[9] == 0b101  # channel bitmask
    assert struct.unpack_from("<f", raw, 10)[0] == 0.0  # channel 1 at byte 10, stride 8
    assert struct.unpack_from("<f", raw, 26)[0] == 63.5  # channel 3 at byte 26
    assert raw[74] == sum(raw[:74]) & 0xFF


def test_zero_nan_and_values_round_trip() -> None:
    block = Ty16Block(1, WHEN, (Ty16Channel(1, 0.0, 1, 0), Ty16Channel(2, None, 2, 0)))
    [event] = decode(encode_block(block))
    assert isinstance(event, Decoded)
    assert event.value == block
    assert event.value.channels[0].value == 0.0


def test_replies_and_garbage() -> None:
    events = decode(b"\x00\xbf\x06" + b"\xbf\x99" + b"\xbf\x04")
    assert frames_of(events) == [Ty16Reply(ACK), Ty16Reply(END)]
    assert [(r.offset, r.length) for r in rejections_of(events)] == [(0, 1), (3, 2)]


def test_bad_timestamp_with_good_sum_is_rejected() -> None:
    raw = bytearray(encode_block(Ty16Block(1, WHEN, ())))
    raw[4] = 13  # month 13
    raw[74] = sum(raw[:74]) & 0xFF
    events = decode(bytes(raw))
    assert frames_of(events) == []
    assert "timestamp" in rejections_of(events)[0].reason


@settings(max_examples=300)
@given(st.binary(max_size=3000), st.lists(st.integers(0, 3000), max_size=8))
def test_random_bytes_never_raise_and_every_byte_is_accounted_for(
    data: bytes, cuts: list[int]
) -> None:
    events = decode(data, cuts)
    spans = [(e.offset, len(e.raw) if isinstance(e, Decoded) else e.length) for e in events]
    assert sum(n for _, n in spans) == len(data)
    assert all(a + n == b for (a, n), (b, _) in itertools.pairwise(spans))


@given(streams, st.lists(st.integers(0, 600), max_size=10))
def test_any_split_decodes_identically(
    parts: list[tuple[tuple[bytes, object], bytes]], cuts: list[int]
) -> None:
    data = b"".join(raw + junk for (raw, _), junk in parts)
    assert decode(data, cuts) == decode(data)


@given(st.lists(blocks(), min_size=1, max_size=5))
def test_consecutive_blocks_all_decode(bs: list[Ty16Block]) -> None:
    assert frames_of(decode(b"".join(encode_block(b) for b in bs))) == bs


@settings(max_examples=400)
@given(blocks(), st.data())
def test_one_flipped_byte_is_never_accepted(block: Ty16Block, data: st.DataObject) -> None:
    raw = bytearray(encode_block(block))
    i = data.draw(st.integers(0, len(raw) - 1), label="index")
    raw[i] ^= data.draw(st.integers(1, 255), label="xor")
    accepted = [v for v in frames_of(decode(bytes(raw))) if isinstance(v, Ty16Block)]
    assert accepted == []


@given(st.integers(1, 8))
def test_a_zero_value_survives_in_any_channel(channel: int) -> None:
    block = Ty16Block(1, WHEN, (Ty16Channel(channel, 0.0, 3, 0),))
    [value] = frames_of(decode(encode_block(block)))
    assert isinstance(value, Ty16Block)
    assert value.channels[0].value == 0.0
    assert not math.isnan(value.channels[0].value)
