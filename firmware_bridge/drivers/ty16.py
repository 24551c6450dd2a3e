"""Polling a TY16: handshake on connect, then the newest block and back until a known one.

The instrument can only be read newest first (``1B B1``, then ``24`` for each older block), and
a poll reads at most `MAX_WALK` new blocks so that readings are handed on in bounded batches.
When a walk stops at that limit, the oldest block it read is remembered as a *gap*: what lies
below it was never read. Later walks go on past already-published blocks until they are below
every gap, so a backlog longer than one walk (the bridge off over a weekend) is read in full.
Gaps are saved through a `CursorStore`, so a restart in the middle of a backlog loses nothing.
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from firmware_bridge.drivers.base import Exchange
from firmware_bridge.protocols.ty16 import (
    ACK,
    REQ_HANDSHAKE,
    REQ_LATEST,
    REQ_NEXT,
    Ty16Block,
    Ty16Message,
    Ty16Reply,
)
from firmware_bridge.readings import Kit, TestReading, from_ty16

logger = logging.getLogger(__name__)
MAX_WALK = 64  # new blocks read per poll; the next poll resumes below them


class CursorStore(Protocol):
    """Where a driver keeps its position between polls and restarts (`BridgeState` is one)."""

    def cursor(self, name: str) -> str | None:
        """The saved value, if any."""
        ...

    def set_cursor(self, name: str, value: str | None) -> None:
        """Save a value; None forgets it."""
        ...


class MemoryCursors:
    """A `CursorStore` that forgets on restart (tests, and drivers built without a state)."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def cursor(self, name: str) -> str | None:
        """The saved value, if any."""
        return self._values.get(name)

    def set_cursor(self, name: str, value: str | None) -> None:
        """Save a value; None forgets it."""
        if value is None:
            self._values.pop(name, None)
        else:
            self._values[name] = value


def block_id(block: Ty16Block) -> str:
    """A block's identity on the instrument (no newline: ids are saved one per line)."""
    return f"{block.tested_at}:{block.seq}"


class Step(Enum):
    """What a walk does with the block it just read."""

    TAKE = "take"  # new: hand its readings on
    SKIP = "skip"  # known, but a gap lies further back: keep walking
    STOP = "stop"  # known and below every gap: everything older is known too


@dataclass
class Walk:
    """The pure decisions of one walk back from the newest block, given the pending gaps."""

    gaps: frozenset[str]
    passed: set[str] = field(default_factory=set)
    taken: list[str] = field(default_factory=list)  # newest first

    def step(self, bid: str, known: bool) -> Step:
        """Decide one block; a known block ends the walk only once every gap is behind it."""
        below_all_gaps = self.passed >= self.gaps  # a gap block itself is not below its gap
        if bid in self.gaps:
            self.passed.add(bid)
        if not known:
            self.taken.append(bid)
            return Step.TAKE
        return Step.STOP if below_all_gaps else Step.SKIP

    @property
    def full(self) -> bool:
        """The walk read as many new blocks as one poll may."""
        return len(self.taken) >= MAX_WALK

    def gaps_after(self) -> frozenset[str]:
        """The gaps for the next walk: none unless this one stopped at the limit."""
        if not self.full:
            return frozenset()  # it reached a known block below every gap, or the oldest block
        return frozenset(self.gaps - self.passed) | {self.taken[-1]}


def _block_or_end(msg: Ty16Message) -> bool:
    return isinstance(msg, Ty16Block) or (isinstance(msg, Ty16Reply) and msg.code != ACK)


class Ty16Driver:
    """Walks back from the newest block until one whose readings were already published."""

    def __init__(
        self,
        kit: Kit,
        published: Callable[[str], bool],
        *,
        poll_interval_s: float = 2.0,
        response_timeout_s: float = 1.0,
        cursors: CursorStore | None = None,
        name: str = "ty16",
    ) -> None:
        self.kit = kit
        self.poll_interval_s = poll_interval_s
        self.timeout_s = response_timeout_s
        self._published = published
        self._empty: set[str] = set()  # blocks without any channel: nothing to publish
        self._cursors = cursors if cursors is not None else MemoryCursors()
        self.name = name
        self._cursor_name = f"{name}/ty16-gaps"

    def on_connect(self, io: Exchange[Ty16Message]) -> None:
        """Handshake: ``1B BF`` → ``BF 06``."""
        io.reset()
        reply = io.request(REQ_HANDSHAKE, lambda m: m == Ty16Reply(ACK), self.timeout_s)
        logger.info("%s: TY16 handshake ok (%s)", io.link.name, reply.raw.hex(" "))

    def _known(self, block: Ty16Block, readings: list[TestReading]) -> bool:
        if not readings:
            return block_id(block) in self._empty
        return all(self._published(r.dedupe_key) for r in readings)

    def _gaps(self) -> frozenset[str]:
        saved = self._cursors.cursor(self._cursor_name)
        return frozenset(saved.splitlines()) if saved else frozenset()

    def poll(self, io: Exchange[Ty16Message]) -> Iterator[TestReading]:
        """The readings of every block newer than the newest known one, oldest first."""
        walk = Walk(self._gaps())
        fresh: list[list[TestReading]] = []
        frame = io.request(REQ_LATEST, _block_or_end, self.timeout_s)
        while isinstance(frame.value, Ty16Block):
            block = frame.value
            readings = from_ty16(block, frame.raw, self.kit)
            step = walk.step(block_id(block), self._known(block, readings))
            if step is Step.STOP:
                break
            if step is Step.TAKE:
                if not readings:
                    self._empty.add(block_id(block))
                fresh.append(readings)
                if walk.full:
                    break
            frame = io.request(REQ_NEXT, _block_or_end, self.timeout_s)
        gaps = walk.gaps_after()
        if gaps:
            logger.info("%s: %d new TY16 blocks read; older ones next poll", self.name, MAX_WALK)
        # Saved before the readings are handed on: a block not yet published is read again as
        # new, so a crash between the two loses nothing either way.
        self._cursors.set_cursor(self._cursor_name, "\n".join(sorted(gaps)) or None)
        for readings in reversed(fresh):
            yield from readings
