"""DY-3000 framing and payloads: round trips, resynchronisation, splits, flipped bytes, zeros."""

import itertools
import struct
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_bridge.protocols.base import Decoded, Rejection, frames_of, rejections_of
from firmware_bridge.protocols.dy3000 import (
    MAX_PAYLOAD,
    OVERHEAD,
    Dy3000Decoder,
    encode_frame,
    header_check,
    interpret,
)
from firmware_bridge.protocols.dy3000_messages import (
    CMD_ERROR,
    CMD_LINK,
    Channel,
    ChannelState,
    ErrorReply,
    Family,
    Item,
    ItemTable,
    LinkReply,
    Message,
    Method,
    Record,
    RecordRange,
    Request,
    encode_items,
    encode_record,
    pack_fat,
    unpack_fat,
)

WHEN = datetime(2026, 5, 1, 8, 30, 0)


def decode(data: bytes, cuts: list[int] | None = None) -> list[Decoded[Message] | Rejection]:
    """Feed `data` split at `cuts`, then flush."""
    dec = Dy3000Decoder()
    out: list[Decoded[Message] | Rejection] = []
    prev = 0
    for cut in [*sorted(set(cuts or [])), len(data)]:
        out += dec.feed(data[prev:cut])
        prev = cut
    return out + dec.flush()


def record(values: list[float | None], method: Method = Method.INHIBITION) -> Record:
    channels = [Channel(0, 0, ChannelState.OK, 0.25, 0)]
    for n, v in enumerate(values, start=1):
        state = ChannelState.OK if v is not None else ChannelState.INVALID
        channels.append(Channel(n, 0, state, v, 100 + n))
    return Record(Family.WET, 7, 1, method, WHEN, "黄瓜", tuple(channels))


# -- strategies ----------------------------------------------------------------------------
datetimes = st.datetimes(datetime(1980, 1, 1), datetime(2100, 12, 31)).map(
    lambda d: d.replace(second=d.second // 2 * 2, microsecond=0)
)
pcts = st.integers(-32768, 32765).map(lambda n: n / 100)


@st.composite
def inhibition_records(draw: st.DrawFn) -> Record:
    n = draw(st.integers(1, 15))
    channels = [Channel(0, draw(st.integers(0, 255)), ChannelState.OK, 0.25, 0)]
    for ch in range(1, n + 1):
        state = draw(st.sampled_from(list(ChannelState)))
        value = draw(pcts) if state is ChannelState.OK else None
        channels.append(
            Channel(ch, draw(st.integers(0, 255)), state, value, draw(st.integers(0, 65535)))
        )
    name = draw(st.sampled_from(["", "黄瓜", "番茄", "韭菜", "青菜样品"]))
    return Record(
        Family.WET,
        draw(st.integers(0, 65535)),
        1,
        Method.INHIBITION,
        draw(datetimes),
        name,
        tuple(channels),
    )


@st.composite
def frames(draw: st.DrawFn) -> tuple[bytes, object]:
    kind = draw(st.sampled_from(["record", "items", "range", "link", "request", "error"]))
    if kind == "record":
        rec = draw(inhibition_records())
        return encode_frame(0x45, encode_record(rec)), rec
    if kind == "items":
        table = ItemTable(Family.GOLD, (Item(1, Method.GOLD, "毒死蜱", "mg/kg"),))
        return encode_frame(0x62, encode_items(table.items)), table
    if kind == "range":
        first, count = draw(st.integers(0, 65535)), draw(st.integers(0, 65535))
        return encode_frame(0x43, struct.pack("<HH", first, count)), RecordRange(
            Family.WET, first, count
        )
    if kind == "link":
        return encode_frame(CMD_LINK, b"DY-3000 V2"), LinkReply("DY-3000 V2")
    if kind == "error":
        return encode_frame(CMD_ERROR, bytes([0x45, 1])), ErrorReply(0x45, 1)
    number = draw(st.integers(0, 65535))
    return encode_frame(0x45, struct.pack("<H", number)), Request(0x45, (number,))


streams = st.lists(st.tuples(frames(), st.binary(max_size=20)), min_size=1, max_size=6)


# -- examples ------------------------------------------------------------------------------
def test_record_round_trip_keeps_zero_invalid_and_na_apart() -> None:
    rec = Record(
        Family.WET,
        7,
        1,
        Method.INHIBITION,
        WHEN,
        "黄瓜",
        (
            Channel(0, 0, ChannelState.OK, 0.25, 0),
            Channel(1, 0, ChannelState.OK, 0.0, 12),
            Channel(2, 200, ChannelState.OK, 63.5, 13),
            Channel(3, 0, ChannelState.INVALID, None, 14),
            Channel(4, 0, ChannelState.NA, None, 0),
            Channel(5, 0, ChannelState.OK, -3.5, 15),
        ),
    )
    frame = encode_frame(0x45, encode_record(rec))
    [event] = decode(frame)
    assert isinstance(event, Decoded)
    assert isinstance(event.value, Record)
    assert event.value == rec
    zero = event.value.channels[1]
    assert zero.value == 0.0
    assert zero.state is ChannelState.OK
    assert event.value.channels[2].suspicious
    assert frame[6 + 25 + 8 * 3 + 2 : 6 + 25 + 8 * 3 + 4] == b"\xff\x7f"  # invalid is FF 7F
    assert frame[6 + 25 + 8 * 4 + 2 : 6 + 25 + 8 * 4 + 4] == b"\xfe\x7f"  # NA is FE 7F


def test_gold_record_codes_and_ratio() -> None:
    channels = (
        Channel(1, 0, ChannelState.OK, None, 1, gold_code=1, t_c_ratio=0.312),
        Channel(2, 0, ChannelState.OK, None, 2, gold_code=2, t_c_ratio=None),
        Channel(3, 0, ChannelState.NA, None, 0, gold_code=3, t_c_ratio=None),
    )
    rec = Record(Family.GOLD, 3, 1, Method.GOLD, WHEN, "韭菜", channels)
    [event] = decode(encode_frame(0x65, encode_record(rec)))
    assert isinstance(event, Decoded)
    assert event.value == rec


def test_fat_dates_pack_like_the_vendor_code() -> None:
    packed = pack_fat(datetime(2026, 5, 1, 8, 30, 10))
    assert packed == (46 << 25) | (5 << 21) | (1 << 16) | (8 << 11) | (30 << 5) | 5
    assert unpack_fat(packed) == datetime(2026, 5, 1, 8, 30, 10)
    assert struct.pack("<I", packed)[0] == packed & 0xFF  # little-endian on the wire


def test_requests_and_responses_are_told_apart_by_length() -> None:
    assert interpret(0x20, b"") == Request(0x20)
    assert interpret(0x42, b"") == Request(0x42)
    assert interpret(0x45, b"\x07\x00") == Request(0x45, (7,))
    assert interpret(0x73, struct.pack("<HH", 3, 4)) == RecordRange(Family.DRY, 3, 4)


def test_garbage_around_frames_is_reported_with_position_and_reason() -> None:
    frame = encode_frame(CMD_LINK, b"DY")
    events = decode(b"noise" + frame + b"\x03\xff\x20")
    assert [type(e) for e in events] == [Rejection, Decoded, Rejection]
    first, _, last = events
    assert isinstance(first, Rejection)
    assert isinstance(last, Rejection)
    assert (first.offset, first.length, first.reason) == (0, 5, "no frame header (03 FF)")
    assert last.offset == 5 + len(frame)
    assert "ended" in last.reason


def test_crc_error_names_the_command_and_resyncs_on_the_next_frame() -> None:
    bad = bytearray(encode_frame(0x45, encode_record(record([12.0]))))
    bad[20] ^= 0x01
    good = encode_frame(CMD_LINK, b"DY")
    events = decode(bytes(bad) + good)
    assert frames_of(events) == [LinkReply("DY")]
    [rej] = rejections_of(events)
    assert rej.offset == 0
    assert rej.length == len(bad)
    assert "CRC mismatch" in rej.reason


def test_oversized_length_is_refused_without_waiting() -> None:
    length = MAX_PAYLOAD + 1
    head = b"\x03\xff" + struct.pack("<BHB", 0x45, length, header_check(0x45, length))
    good = encode_frame(CMD_LINK, b"X")
    assert frames_of(Dy3000Decoder().feed(head + good)) == [LinkReply("X")]


def test_valid_crc_with_bad_content_is_a_rejection_not_a_result() -> None:
    payload = bytearray(encode_record(record([10.0])))
    payload[24] = 9  # channel count that does not fit the length
    events = decode(encode_frame(0x45, bytes(payload)))
    [rej] = events
    assert isinstance(rej, Rejection)
    assert rej.reason.startswith("bad payload")


def test_long_garbage_is_cut_into_bounded_runs() -> None:
    events = decode(b"\x00" * 10000)
    assert [r.length for r in rejections_of(events)] == [4096, 4096, 1808]


# -- properties ----------------------------------------------------------------------------
@settings(max_examples=300)
@given(st.binary(max_size=3000), st.lists(st.integers(0, 3000), max_size=8))
def test_random_bytes_never_raise_and_every_byte_is_accounted_for(
    data: bytes, cuts: list[int]
) -> None:
    events = decode(data, cuts)
    spans = [(e.offset, len(e.raw) if isinstance(e, Decoded) else e.length) for e in events]
    assert sum(n for _, n in spans) == len(data)
    assert all(a + n == b for (a, n), (b, _) in itertools.pairwise(spans))


@given(streams, st.lists(st.integers(0, 2000), max_size=10))
def test_any_split_decodes_identically(
    parts: list[tuple[tuple[bytes, object], bytes]], cuts: list[int]
) -> None:
    data = b"".join(frame + junk for (frame, _), junk in parts)
    assert decode(data, cuts) == decode(data)


@given(streams)
def test_every_frame_is_recovered_from_between_garbage(
    parts: list[tuple[tuple[bytes, object], bytes]],
) -> None:
    data = b"".join(junk + frame for (frame, _), junk in parts)
    assert frames_of(decode(data)) == [value for (_, value), _ in parts]


@settings(max_examples=400)
@given(frames(), st.data())
def test_one_flipped_byte_is_never_accepted(
    frame_and_value: tuple[bytes, object], data: st.DataObject
) -> None:
    frame, _ = frame_and_value
    i = data.draw(st.integers(0, len(frame) - 1), label="index")
    flip = data.draw(st.integers(1, 255), label="xor")
    corrupt = bytearray(frame)
    corrupt[i] ^= flip
    events = decode(bytes(corrupt))
    assert frames_of(events) == []
    assert sum(r.length for r in rejections_of(events)) == len(frame)


@given(st.integers(1, 15), st.integers(0, 65535))
def test_a_zero_value_survives_in_any_channel(channel: int, sample_no: int) -> None:
    chans = (
        Channel(0, 0, ChannelState.OK, 0.25, 0),
        Channel(channel, 0, ChannelState.OK, 0.0, sample_no),
    )
    rec = Record(Family.WET, 1, 1, Method.INHIBITION, WHEN, "番茄", chans)
    [event] = decode(encode_frame(0x45, encode_record(rec)))
    assert isinstance(event, Decoded)
    assert isinstance(event.value, Record)
    assert event.value.channels[1].value == 0.0
    assert event.value.channels[1].state is ChannelState.OK


def test_frame_overhead_matches_the_documented_layout() -> None:
    assert len(encode_frame(0x20)) == OVERHEAD == 8
