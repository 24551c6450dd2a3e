"""A DY-3000 simulator: answers link test, item table, record range and record requests."""

import logging
import struct
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from firmware_bridge.protocols import Protocol
from firmware_bridge.protocols.base import Decoded
from firmware_bridge.protocols.dy3000 import Dy3000Decoder, encode_frame
from firmware_bridge.protocols.dy3000_messages import (
    ACT_ITEMS,
    ACT_RANGE,
    CMD_ERROR,
    CMD_LINK,
    Channel,
    ChannelState,
    Family,
    Item,
    Method,
    Record,
    Request,
    encode_items,
    encode_record,
    split_command,
    unpack_fat,
)
from firmware_bridge.simulators.base import PtySimulator

logger = logging.getLogger(__name__)

ITEMS = {
    Family.WET: (Item(1, Method.INHIBITION, "农药残留(国)", "%"),),
    Family.GOLD: (Item(1, Method.GOLD, "毒死蜱", "mg/kg"),),
    Family.DRY: (),
}
ERR_NO_RECORD = 1
ERR_UNKNOWN = 2


def inhibition_record(
    record_no: int,
    tested_at: datetime,
    commodity: str,
    results: list[tuple[int, float | None]],
    control_delta_a: float = 0.250,
) -> Record:
    """A wet-chemistry record: control ΔA in channel 0, then (sample_no, inhibition %) each."""
    channels = [Channel(0, 0, ChannelState.OK, control_delta_a, 0)]
    for n, (sample_no, pct) in enumerate(results, start=1):
        state = ChannelState.OK if pct is not None else ChannelState.INVALID
        channels.append(Channel(n, 0, state, pct, sample_no))
    return Record(
        Family.WET, record_no, 1, Method.INHIBITION, tested_at, commodity, tuple(channels)
    )


class Dy3000Simulator(PtySimulator):
    """The instrument keeps records; the bridge polls for them."""

    name = Protocol.DY3000.value

    def __init__(self, link: Path | None = None, model: str = "DY-3000 SIM V1.0") -> None:
        super().__init__(link)
        self.model = model
        self.records: dict[Family, list[Record]] = {f: [] for f in Family}
        self._decoder = Dy3000Decoder()
        self.noise = b""  # sent before every reply, to exercise resynchronisation
        self.requests = 0

    def add_record(self, record: Record) -> Record:
        """Store a test run as the next record of its family; returns it with its number."""
        with self.lock:
            stored = self.records[record.family]
            numbered = replace(record, record_no=len(stored) + 1)
            stored.append(numbered)
            return numbered

    def on_bytes(self, data: bytes) -> None:
        """Answer every complete request."""
        for event in self._decoder.feed(data):
            if isinstance(event, Decoded) and isinstance(event.value, Request):
                self.requests += 1
                self.send(self.noise + self.answer(event.value))
            else:
                logger.debug("simulator ignored %s", event)

    def answer(self, req: Request) -> bytes:
        """The frame answering one request."""
        if req.cmd == CMD_LINK:
            return encode_frame(CMD_LINK, self.model.encode("gb2312"))
        parts = split_command(req.cmd)
        if parts is None:
            return encode_frame(CMD_ERROR, bytes([req.cmd, ERR_UNKNOWN]))
        family, action = parts
        records = self.records[family]
        if action == ACT_ITEMS:
            return encode_frame(req.cmd, encode_items(ITEMS[family]))
        if action == ACT_RANGE:
            start, end = (unpack_fat(v) for v in req.args)
            hits = [r.record_no for r in records if start <= r.tested_at <= end]
            first = min(hits) if hits else 0
            return encode_frame(req.cmd, struct.pack("<HH", first, len(hits)))
        number = req.args[0] if req.args else 0
        if not 1 <= number <= len(records):
            return encode_frame(CMD_ERROR, bytes([req.cmd, ERR_NO_RECORD]))
        return encode_frame(req.cmd, encode_record(records[number - 1]))
