"""A TY16 simulator: handshake, latest block, and walking back through older blocks."""

from pathlib import Path

from firmware_bridge.protocols import Protocol
from firmware_bridge.protocols.ty16 import (
    ACK,
    END,
    REPLY,
    REQ_HANDSHAKE,
    REQ_LATEST,
    REQ_NEXT,
    Ty16Block,
    encode_block,
)
from firmware_bridge.simulators.base import PtySimulator


class Ty16Simulator(PtySimulator):
    """Stores blocks; ``1B B1`` returns the newest, each ``24`` the one before."""

    name = Protocol.TY16.value

    def __init__(self, link: Path | None = None) -> None:
        super().__init__(link)
        self.blocks: list[Ty16Block] = []
        self._cursor = -1
        self._pending = b""
        self.requests = 0

    def add_block(self, block: Ty16Block) -> Ty16Block:
        """Store a finished test run (its seq is set to the next number)."""
        with self.lock:
            stored = Ty16Block((len(self.blocks) + 1) & 0xFF, block.tested_at, block.channels)
            self.blocks.append(stored)
            return stored

    def on_bytes(self, data: bytes) -> None:
        """Answer each complete request; unknown bytes are ignored like a real instrument does."""
        buf = self._pending + data
        while buf:
            if buf.startswith(REQ_HANDSHAKE):
                buf = buf[2:]
                self.send(bytes([REPLY, ACK]))
            elif buf.startswith(REQ_LATEST):
                buf = buf[2:]
                self._cursor = len(self.blocks) - 1
                self._reply()
            elif buf.startswith(REQ_NEXT):
                buf = buf[1:]
                self._cursor -= 1
                self._reply()
            elif buf == REQ_LATEST[:1]:
                break  # half a request: wait for the rest
            else:
                buf = buf[1:]
                continue
            self.requests += 1
        self._pending = buf

    def _reply(self) -> None:
        if 0 <= self._cursor < len(self.blocks):
            self.send(encode_block(self.blocks[self._cursor]))
        else:
            self.send(bytes([REPLY, END]))
