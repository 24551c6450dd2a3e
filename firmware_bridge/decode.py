"""Decoding captured byte streams into JSON objects (what `agrisafe bridge decode` prints)."""

from collections.abc import Callable, Iterator
from dataclasses import asdict, is_dataclass
from datetime import datetime
from enum import Enum
from typing import Any, BinaryIO

from firmware_bridge.protocols import Protocol
from firmware_bridge.protocols.base import Decoded, Rejection, StreamDecoder
from firmware_bridge.protocols.dy3000 import Dy3000Decoder
from firmware_bridge.protocols.dy3000_messages import Message
from firmware_bridge.protocols.line import LineDecoder, LineFormat, LineRecord
from firmware_bridge.protocols.nmea import NmeaDecoder, NmeaFix
from firmware_bridge.protocols.ty16 import Ty16Block, Ty16Decoder, Ty16Reply

PROTOCOLS = tuple(p.value for p in Protocol)  # kept for callers that list the names
CHUNK = 64 * 1024


def _plain(value: Any) -> Any:
    """JSON-ready copy of dataclasses, enums, datetimes, tuples and dicts."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _dy3000(frame: Decoded[Message]) -> dict[str, Any]:
    body = _plain(frame.value)
    return {
        "offset": frame.offset,
        "type": type(frame.value).__name__,
        **body,
        "raw_hex": frame.raw.hex(),
    }


def _ty16(frame: Decoded[Ty16Block | Ty16Reply]) -> dict[str, Any]:
    kind = "block" if isinstance(frame.value, Ty16Block) else "reply"
    return {"offset": frame.offset, "type": kind, **_plain(frame.value), "raw_hex": frame.raw.hex()}


def _line(frame: Decoded[LineRecord]) -> dict[str, Any]:
    rec = frame.value
    fields: dict[str, Any] = {**rec.text, **rec.ints, **rec.floats}
    if rec.tested_at is not None:
        fields["time"] = rec.tested_at.isoformat()
    return {"offset": frame.offset, **fields, "raw_hex": frame.raw.hex()}


def _nmea(frame: Decoded[NmeaFix]) -> dict[str, Any]:
    return frame.value.to_json()


def decoder_for(
    protocol: str, line_format: LineFormat | None = None
) -> tuple[StreamDecoder[Any], Callable[[Decoded[Any]], dict[str, Any]]]:
    """The decoder of a protocol (a `Protocol` or its name) and how its frames print."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; expected one of {', '.join(PROTOCOLS)}")
    match Protocol(protocol):
        case Protocol.DY3000:
            return Dy3000Decoder(), _dy3000
        case Protocol.TY16:
            return Ty16Decoder(), _ty16
        case Protocol.LINE:
            return LineDecoder(line_format), _line
        case Protocol.NMEA:
            return NmeaDecoder(), _nmea


def rejection_json(rej: Rejection) -> dict[str, Any]:
    """What a rejection prints: position, length, reason and the first bytes."""
    return {
        "offset": rej.offset,
        "length": rej.length,
        "reason": rej.reason,
        "raw_hex": rej.raw[:64].hex(),
    }


def decode_stream(
    stream: BinaryIO, protocol: str, line_format: LineFormat | None = None
) -> Iterator[tuple[bool, dict[str, Any]]]:
    """(True, frame) or (False, rejection) objects, in stream order, for a whole stream."""
    decoder, show = decoder_for(protocol, line_format)

    def emit(events: list[Decoded[Any] | Rejection]) -> Iterator[tuple[bool, dict[str, Any]]]:
        for ev in events:
            if isinstance(ev, Rejection):
                yield False, rejection_json(ev)
            else:
                yield True, show(ev)

    while chunk := stream.read(CHUNK):
        yield from emit(decoder.feed(chunk))
    yield from emit(decoder.flush())
