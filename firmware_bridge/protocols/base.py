"""What every pure stream decoder shares: rejections with position and reason, garbage runs.

A decoder is fed bytes in chunks of any size and returns, in stream order, the frames it decoded
and the byte spans it rejected. Decisions depend only on the bytes, never on how they were split,
so any split of a stream decodes identically; `flush()` marks the end of the stream.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")

# A run of skipped bytes is reported when it reaches this size, so that a line full of noise
# cannot grow a buffer without bound; the cut depends on the byte count alone (split-invariant).
MAX_GARBAGE_RUN = 4096
# Reason suffix of spans that are valid but unused (e.g. NMEA GSV): reported, not alarming.
IGNORED = "(ignored)"


@dataclass(frozen=True, slots=True)
class Rejection:
    """Bytes that did not form a valid frame: where they start, how many, and why."""

    offset: int
    length: int
    reason: str
    raw: bytes

    def describe(self) -> str:
        """One human-readable line, e.g. for stderr."""
        preview = self.raw[:32].hex(" ")
        more = " …" if self.length > 32 else ""
        return f"offset {self.offset} (+{self.length} B): {self.reason} [{preview}{more}]"


@dataclass(frozen=True, slots=True)
class Decoded(Generic[T]):
    """A valid frame: its start offset in the stream, its raw bytes and its typed content."""

    offset: int
    raw: bytes
    value: T


class StreamDecoder(Protocol[T]):
    """A pure incremental decoder: bytes in, frames and rejections out, in stream order."""

    def feed(self, data: bytes) -> "list[Decoded[T] | Rejection]":
        """Consume `data`; return everything that is now decided."""
        ...

    def flush(self) -> "list[Decoded[T] | Rejection]":
        """End of stream: decide what is pending (incomplete frames are rejected)."""
        ...


class GarbageRun:
    """Accumulates contiguous skipped bytes into one rejection.

    The reason says why the run began, then (up to `MAX_REASONS`) the other distinct failures
    met inside it with their offsets, e.g. a CRC error after some noise.
    """

    MAX_REASONS = 4

    def __init__(self) -> None:
        self.start = 0
        self.reasons: list[str] = []
        self.buf = bytearray()

    @property
    def reason(self) -> str:
        """All reasons of the run, first one first."""
        return "; ".join(self.reasons)

    def add(
        self, offset: int, data: bytes | bytearray, reason: str, *, noise: bool = False
    ) -> "list[Rejection]":
        """Append skipped bytes; returns a rejection each time the run reaches MAX_GARBAGE_RUN.

        `noise` marks the plain "no header here" reason, which is not repeated inside a run.
        """
        out: list[Rejection] = []
        pos = 0
        if self._worth_noting(reason, noise) and self.buf and data:
            self.reasons.append(f"{reason} at offset {offset}")
        while pos < len(data):
            if not self.buf:
                self.start, self.reasons = offset + pos, [reason]
            take = data[pos : pos + MAX_GARBAGE_RUN - len(self.buf)]
            self.buf += take
            pos += len(take)
            if len(self.buf) >= MAX_GARBAGE_RUN:
                out.extend(self.close())
        return out

    def _worth_noting(self, reason: str, noise: bool) -> bool:
        if noise or len(self.reasons) >= self.MAX_REASONS:
            return False
        return not any(r.startswith(reason) for r in self.reasons)

    def close(self) -> "list[Rejection]":
        """Emit the pending run, if any."""
        if not self.buf:
            return []
        rej = Rejection(self.start, len(self.buf), self.reason, bytes(self.buf))
        self.buf = bytearray()
        return [rej]


def frames_of(events: "Iterable[Decoded[T] | Rejection]") -> list[T]:
    """Only the decoded values, in order."""
    return [e.value for e in events if isinstance(e, Decoded)]


def rejections_of(events: "Iterable[Decoded[T] | Rejection]") -> list[Rejection]:
    """Only the rejections, in order."""
    return [e for e in events if isinstance(e, Rejection)]


class LineSplitter:
    """Splits a stream into LF-terminated lines; a line longer than `max_line` is rejected whole."""

    def __init__(self, max_line: int) -> None:
        self.max_line = max_line
        self._buf = bytearray()
        self._base = 0
        self._long = GarbageRun()
        self._discarding = False

    def feed(self, data: bytes, *, final: bool = False) -> "list[tuple[int, bytes] | Rejection]":
        """(offset, raw line with terminator) for each complete line, or over-long rejections.

        With `final`, a last line without a newline counts as complete.
        """
        self._buf += data
        out: list[tuple[int, bytes] | Rejection] = []
        while self._buf:
            nl = self._buf.find(b"\n", 0, self.max_line + 1)
            if nl < 0 and len(self._buf) > self.max_line:
                self._discard(self.max_line, out)  # no newline within reach
                continue
            if nl < 0 and not final:
                break
            end = len(self._buf) if nl < 0 else nl + 1
            if self._discarding:  # the tail of an over-long line, up to its newline
                self._discard(end, out)
                out.extend(self._long.close())
                self._discarding = False
                continue
            out.append((self._base, bytes(self._buf[:end])))
            del self._buf[:end]
            self._base += end
        if final:
            out.extend(self._long.close())
            self._discarding = False
        return out

    def _discard(self, n: int, out: "list[tuple[int, bytes] | Rejection]") -> None:
        self._discarding = True
        reason = f"line longer than {self.max_line} B"
        out.extend(self._long.add(self._base, self._buf[:n], reason))
        del self._buf[:n]
        self._base += n
