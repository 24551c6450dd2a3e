"""Polling a TY16: handshake on connect, then the newest block and back until a known one."""

import logging
from collections.abc import Callable, Iterator

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
MAX_WALK = 64  # blocks read back per poll; older ones wait for the next poll


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
    ) -> None:
        self.kit = kit
        self.poll_interval_s = poll_interval_s
        self.timeout_s = response_timeout_s
        self._published = published
        self._empty: set[str] = set()  # blocks without any channel: nothing to publish

    def on_connect(self, io: Exchange[Ty16Message]) -> None:
        """Handshake: ``1B BF`` → ``BF 06``."""
        io.reset()
        reply = io.request(REQ_HANDSHAKE, lambda m: m == Ty16Reply(ACK), self.timeout_s)
        logger.info("%s: TY16 handshake ok (%s)", io.link.name, reply.raw.hex(" "))

    def _known(self, block: Ty16Block, readings: list[TestReading]) -> bool:
        if not readings:
            return f"{block.tested_at}:{block.seq}" in self._empty
        return all(self._published(r.key) for r in readings)

    def poll(self, io: Exchange[Ty16Message]) -> Iterator[TestReading]:
        """The readings of every block newer than the newest known one, oldest first."""
        fresh: list[list[TestReading]] = []
        frame = io.request(REQ_LATEST, _block_or_end, self.timeout_s)
        while isinstance(frame.value, Ty16Block) and len(fresh) < MAX_WALK:
            block = frame.value
            readings = from_ty16(block, frame.raw, self.kit)
            if self._known(block, readings):
                break
            if not readings:
                self._empty.add(f"{block.tested_at}:{block.seq}")
            fresh.append(readings)
            frame = io.request(REQ_NEXT, _block_or_end, self.timeout_s)
        for readings in reversed(fresh):
            yield from readings
