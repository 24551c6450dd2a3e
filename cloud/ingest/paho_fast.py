"""A paho client tuned for one job: receiving QoS 1 PUBLISH packets fast, acknowledging in bulk.

Measured on these machines (bench/ingest, "paho" section), stock paho 2.x spends most of an
ingest worker's MQTT time on per-packet overhead, not on the bytes:

- it reads each packet with 3–4 `recv` calls (command byte, length bytes, body) and returns to
  `select()` after every single packet;
- on MQTT 5 it builds a `Properties` object for every PUBLISH (≈ 15 µs each here, about as much
  as the rest of the packet handling together): the main reason paho MQTT 5 consumes at about
  half the rate of 3.1.1;
- it builds an `MQTTMessage` (with a `threading.Condition`) and walks the callback matcher;
- every manual `ack()` is its own queued packet, wake-up byte and `send()`.

`IngestClient` keeps paho for everything else (connect, session, keepalive, reconnect, TLS,
subscriptions) and replaces only those four steps: a buffered socket proxy that reads 64 KiB at a
time, a read loop that drains what is buffered, a PUBLISH decoder that skips MQTT 5 properties
(an ingest worker needs none; it never announces a Topic Alias Maximum, so the broker may not
send aliases) and an `ack_many` that queues one packet holding many PUBACKs. It relies on paho
internals (`_packet_read`, `_in_packet`, `_packet_queue`, `_create_socket` …), so it is an
optional fast path: at start-up `fast_path_supported()` checks that paho still has them, and if
not (another paho release) the client logs a warning and runs paho's public API instead
(`on_message`, `ack`) — slower, never wrong. The tests run both paths against real brokers
(Mosquitto 3.1.1 and 5, amqtt).
"""

import logging
import struct
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode

logger = logging.getLogger(__name__)

# (topic bytes, payload bytes, mid, qos) → None. Runs on paho's network thread; must not raise.
RawHandler = Callable[[bytes, bytes, int, int], None]

READ_CHUNK = 64 * 1024
# Packets handled per `loop_read` call before paho gets to write (acks, pings) again.
READ_BURST = 2000
_PUBACK = struct.Struct("!BBH")
_PUBACK_CMD = 0x40


class MalformedPublish(ValueError):
    """A PUBLISH packet whose lengths do not add up."""


class BufferedSocket:
    """Socket proxy: one large `recv` feeds many small reads; `pending()` tells paho to go on."""

    __slots__ = ("_buf", "_pos", "_sock")

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._buf = b""
        self._pos = 0

    def recv(self, size: int) -> bytes:
        """Up to `size` bytes, from memory when possible (raises like the socket when empty)."""
        buf, pos = self._buf, self._pos
        if pos >= len(buf):
            buf = self._sock.recv(READ_CHUNK)
            if not buf:
                return b""
            self._buf, pos = buf, 0
        end = pos + size
        self._pos = min(end, len(buf))
        return buf[pos:end]

    def pending(self) -> int:
        """Bytes already read from the kernel (and TLS) that paho has not consumed yet."""
        inner = getattr(self._sock, "pending", None)
        return len(self._buf) - self._pos + (inner() if inner is not None else 0)

    def __getattr__(self, name: str) -> Any:
        # fileno, send, close, setblocking … go to the real socket.
        return getattr(self._sock, name)


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """MQTT variable byte integer at `pos`: (value, bytes used)."""
    value, mult, used = 0, 1, 0
    while True:
        byte = data[pos + used]
        value += (byte & 0x7F) * mult
        used += 1
        if not byte & 0x80:
            return value, used
        if used == 4:
            raise MalformedPublish("variable byte integer longer than 4 bytes")
        mult *= 128


def parse_publish(header: int, packet: bytes, v5: bool) -> tuple[bytes, bytes, int, int]:
    """(topic, payload, mid, qos) of a PUBLISH body; MQTT 5 properties are skipped, not parsed."""
    qos = (header & 0x06) >> 1
    if len(packet) < 2:
        raise MalformedPublish("PUBLISH shorter than its topic length")
    tlen = (packet[0] << 8) | packet[1]
    pos = 2 + tlen
    topic = packet[2:pos]
    mid = 0
    if qos:
        if len(packet) < pos + 2:
            raise MalformedPublish("PUBLISH shorter than its packet id")
        mid = (packet[pos] << 8) | packet[pos + 1]
        pos += 2
    if v5:
        if len(packet) <= pos:
            raise MalformedPublish("MQTT 5 PUBLISH without properties length")
        try:
            plen, used = _varint(packet, pos)
        except IndexError:
            raise MalformedPublish("properties length runs past the packet") from None
        pos += used + plen
    if len(topic) != tlen or pos > len(packet):
        raise MalformedPublish("PUBLISH lengths exceed the packet")
    return topic, packet[pos:], mid, qos


def puback_packets(mids: Sequence[int]) -> bytes:
    """Many PUBACK packets back to back (3.1.1 and 5: reason code omitted means success)."""
    pack = _PUBACK.pack
    return b"".join([pack(_PUBACK_CMD, 2, mid) for mid in mids])


# What the fast path uses of paho's internals: methods of the class, attributes of an instance.
_INTERNAL_METHODS = (
    "_create_socket",
    "_packet_read",
    "_loop_rc_handle",
    "_handle_publish",
    "_send_command_with_mid",
    "_packet_queue",
)
_INTERNAL_ATTRS = ("_sock", "_in_packet", "_protocol", "_manual_ack")


@cache
def fast_path_supported() -> bool:
    """True when this paho release has every internal the fast path relies on."""
    missing = [m for m in _INTERNAL_METHODS if not callable(getattr(mqtt.Client, m, None))]
    probe = mqtt.Client(CallbackAPIVersion.VERSION2, "probe", manual_ack=True)
    missing += [a for a in _INTERNAL_ATTRS if not hasattr(probe, a)]
    if missing:
        logger.warning(
            "paho-mqtt %s lacks %s: ingest uses paho's public API (slower receive path)",
            getattr(mqtt, "__version__", "?"),
            ", ".join(missing),
        )
    return not missing


class IngestClient(mqtt.Client):
    """paho `Client` with a fast receive path; set `raw_handler` to receive PUBLISH packets."""

    def __init__(self, *args: Any, fast: bool | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.raw_handler: RawHandler | None = None
        self.fast = fast_path_supported() if fast is None else fast
        if not self.fast:
            self.on_message = self._public_message

    def _public_message(self, _client: Any, _userdata: Any, msg: mqtt.MQTTMessage) -> None:
        # The fallback: paho parsed the packet; hand the same four values to the handler.
        if self.raw_handler is None:
            return
        try:
            topic = msg.topic.encode()
        except UnicodeDecodeError:
            topic = b"\xff"  # not UTF-8: quarantined as unknown_topic, like the fast path does
        self.raw_handler(topic, bytes(msg.payload), msg.mid, msg.qos)

    # -- reading ----------------------------------------------------------------------------
    def _create_socket(self) -> Any:
        sock = super()._create_socket()
        return BufferedSocket(sock) if self.fast else sock

    def loop_read(self, max_packets: int = 1) -> MQTTErrorCode:
        """Handle every packet already received (up to READ_BURST), not just one."""
        if not self.fast:
            return super().loop_read(max_packets)
        for _ in range(READ_BURST):
            if self._sock is None:
                return MQTTErrorCode.MQTT_ERR_NO_CONN
            rc = self._packet_read()
            if rc > 0:
                return self._loop_rc_handle(rc)
            if rc == MQTTErrorCode.MQTT_ERR_AGAIN:
                break
        return MQTTErrorCode.MQTT_ERR_SUCCESS

    def _handle_publish(self) -> MQTTErrorCode:
        handler = self.raw_handler
        if not self.fast:
            return super()._handle_publish()
        header = self._in_packet["command"]
        if handler is None or (header & 0x06) == 0x04:  # QoS 2 keeps paho's state machine
            return super()._handle_publish()
        try:
            topic, payload, mid, qos = parse_publish(
                header, bytes(self._in_packet["packet"]), self._protocol == mqtt.MQTTv5
            )
        except MalformedPublish as err:
            logger.error("malformed PUBLISH from broker: %s", err)
            return MQTTErrorCode.MQTT_ERR_PROTOCOL
        handler(topic, payload, mid, qos)
        if qos == 1 and not self._manual_ack:
            return self._send_command_with_mid(_PUBACK_CMD, mid, False)
        return MQTTErrorCode.MQTT_ERR_SUCCESS

    # -- acknowledging ----------------------------------------------------------------------
    def ack_many(self, mids: Sequence[int]) -> None:
        """Acknowledge many QoS 1 messages with one queued write (manual-ack mode)."""
        if not mids:
            return
        if not self.fast:
            for mid in mids:
                self.ack(mid, 1)
            return
        self._packet_queue(_PUBACK_CMD, puback_packets(mids), 0, 0)
