"""Request/response and streaming over one serial link through a pure decoder."""

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, Generic, Protocol, TypeVar

from firmware_bridge.errors import InstrumentError
from firmware_bridge.protocols.base import IGNORED, Decoded, Rejection, StreamDecoder
from firmware_bridge.readings import TestReading
from firmware_bridge.serial_link import ReconnectingLink

logger = logging.getLogger(__name__)
T = TypeVar("T")


class Exchange(Generic[T]):
    """Owns the decoder of one link: sends requests, waits for matching frames, logs rejections."""

    def __init__(
        self,
        link: ReconnectingLink,
        new_decoder: Callable[[], StreamDecoder[T]],
        on_reject: Callable[[Rejection], None] | None = None,
    ) -> None:
        self.link = link
        self._new_decoder = new_decoder
        self.decoder = new_decoder()
        self._backlog: list[Decoded[T] | Rejection] = []
        self._on_reject = on_reject
        self.rejections = 0
        self.ignored = 0  # valid but unused (e.g. NMEA GSV): counted, logged at debug level
        self.timeouts = 0

    def reset(self) -> None:
        """Forget partial frames (after a reconnect or a timeout)."""
        self.decoder = self._new_decoder()
        self._backlog.clear()

    def reject(self, rej: Rejection) -> None:
        """Count and report a rejected span."""
        if rej.reason.endswith(IGNORED):
            self.ignored += 1
            logger.debug("%s: ignored %s", self.link.name, rej.describe())
            return
        self.rejections += 1
        logger.warning("%s: rejected %s", self.link.name, rej.describe())
        if self._on_reject is not None:
            self._on_reject(rej)

    def read_events(self) -> list[Decoded[T]]:
        """Frames decoded from whatever arrived (waits up to the port's read timeout)."""
        events, self._backlog = self._backlog, []
        events += self.decoder.feed(self.link.read())
        frames: list[Decoded[T]] = []
        for ev in events:
            if isinstance(ev, Rejection):
                self.reject(ev)
            else:
                frames.append(ev)
        return frames

    def request(self, data: bytes, match: Callable[[Any], bool], timeout_s: float) -> Decoded[T]:
        """Send `data` and return the first frame `match` accepts; InstrumentError on timeout."""
        self._backlog.clear()  # anything unanswered before this request is stale
        self.link.write(data)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            frames = self.read_events()
            if not self.link.connected:
                raise InstrumentError(f"{self.link.name}: port lost while waiting for an answer")
            for n, frame in enumerate(frames):
                if match(frame.value):
                    self._backlog = list(frames[n + 1 :])
                    return frame
                logger.debug("%s: unexpected frame %r", self.link.name, frame.value)
        for ev in self.decoder.flush():  # decide the pending bytes: the answer is not coming
            if isinstance(ev, Rejection):
                self.reject(ev)
        self.reset()
        self.timeouts += 1
        raise InstrumentError(
            f"{self.link.name}: no answer to {data[:8].hex(' ')} in {timeout_s} s"
        )


class Driver(Protocol):
    """What a coordinator runs for one instrument."""

    poll_interval_s: float  # 0 for streaming instruments

    def on_connect(self, io: Exchange[Any]) -> None:
        """The port was (re)opened: handshake, read tables."""
        ...

    def poll(self, io: Exchange[Any]) -> Iterator[TestReading]:
        """One poll (or one read for streaming instruments): new readings as they arrive."""
        ...


class StreamDriver:
    """For instruments (and GPS receivers) that talk without being asked."""

    poll_interval_s = 0.0

    def __init__(self, on_frame: Callable[[Decoded[Any]], list[TestReading]]) -> None:
        self._on_frame = on_frame

    def on_connect(self, io: Exchange[Any]) -> None:
        """Start decoding afresh."""
        io.reset()

    def poll(self, io: Exchange[Any]) -> Iterator[TestReading]:
        """Decode what arrived."""
        for frame in io.read_events():
            yield from self._on_frame(frame)
