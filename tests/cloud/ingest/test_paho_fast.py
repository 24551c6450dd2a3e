"""The tuned paho receive path: packet parsing (pure, property-tested) and the buffered socket."""

import socket
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloud.ingest.paho_fast import BufferedSocket, MalformedPublish, parse_publish, puback_packets


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _publish(topic: bytes, payload: bytes, mid: int, qos: int, props: bytes | None) -> bytes:
    body = struct.pack("!H", len(topic)) + topic
    if qos:
        body += struct.pack("!H", mid)
    if props is not None:
        body += _varint(len(props)) + props
    return body + payload


@given(
    topic=st.binary(min_size=1, max_size=300),
    payload=st.binary(max_size=2000),
    mid=st.integers(1, 65535),
    qos=st.sampled_from([0, 1]),
    props=st.one_of(st.none(), st.binary(max_size=300)),
)
def test_parse_publish_round_trips(
    topic: bytes, payload: bytes, mid: int, qos: int, props: bytes | None
) -> None:
    packet = _publish(topic, payload, mid, qos, props)
    got = parse_publish(0x30 | (qos << 1), packet, v5=props is not None)
    assert got == (topic, payload, mid if qos else 0, qos)


@given(st.binary(max_size=64), st.sampled_from([0, 1]), st.booleans())
def test_parse_publish_never_crashes_on_garbage(packet: bytes, qos: int, v5: bool) -> None:
    try:
        topic, payload, _mid, got_qos = parse_publish(0x30 | (qos << 1), packet, v5)
    except MalformedPublish:
        return
    assert got_qos == qos
    assert len(topic) + len(payload) + 2 <= len(packet)
    assert packet.endswith(payload)


def test_truncated_publish_is_malformed() -> None:
    with pytest.raises(MalformedPublish):
        parse_publish(0x32, struct.pack("!H", 10) + b"abc", v5=False)


def test_puback_packets_are_mqtt_pubacks() -> None:
    assert puback_packets([1, 258]) == b"\x40\x02\x00\x01\x40\x02\x01\x02"


def test_buffered_socket_hands_out_small_reads_from_one_large_read() -> None:
    a, b = socket.socketpair()
    try:
        b.sendall(b"0123456789")
        buffered = BufferedSocket(a)
        assert buffered.recv(1) == b"0"
        assert buffered.pending() == 9  # already read from the kernel
        assert buffered.recv(4) == b"1234"
        assert buffered.recv(100) == b"56789"
        assert buffered.pending() == 0
        a.setblocking(False)
        with pytest.raises(BlockingIOError):
            buffered.recv(1)
        assert buffered.fileno() == a.fileno()
    finally:
        a.close()
        b.close()
