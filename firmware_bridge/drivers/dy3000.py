"""Polling a DY-3000: link test and item tables on connect, then new records by date range."""

import logging
import struct
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from firmware_bridge.drivers.base import Exchange
from firmware_bridge.errors import InstrumentError
from firmware_bridge.protocols.dy3000 import encode_frame
from firmware_bridge.protocols.dy3000_messages import (
    ACT_ITEMS,
    ACT_RANGE,
    ACT_RECORD,
    CMD_LINK,
    ErrorReply,
    Family,
    ItemTable,
    LinkReply,
    Message,
    Record,
    RecordRange,
    command,
    pack_fat,
)
from firmware_bridge.readings import Kit, TestReading, from_dy3000

logger = logging.getLogger(__name__)
END_OF_RANGE = datetime(2107, 12, 31, 23, 59, 58)


def _answer_to(cmd: int, kind: type) -> Callable[[Message], bool]:
    """Accept the expected message type, or the instrument's refusal of this command."""

    def match(msg: Message) -> bool:
        if isinstance(msg, ErrorReply) and msg.cmd == cmd:
            return True
        return isinstance(msg, kind)

    return match


class Dy3000Driver:
    """Reads each record once per connection; the recorder drops what was already published."""

    def __init__(
        self,
        kit: Kit,
        *,
        families: tuple[Family, ...] = (Family.WET, Family.GOLD),
        poll_interval_s: float = 2.0,
        response_timeout_s: float = 1.0,
        lookback: timedelta = timedelta(days=1),
        local_now: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.kit = kit
        self.families = families
        self.poll_interval_s = poll_interval_s
        self.timeout_s = response_timeout_s
        self.lookback = lookback
        self._local_now = local_now
        self.model = ""
        self.items: dict[tuple[Family, int], str] = {}
        self.cursor: dict[Family, int] = {}

    def _ask(self, io: Exchange[Message], cmd: int, payload: bytes, kind: type) -> Any:
        frame = io.request(encode_frame(cmd, payload), _answer_to(cmd, kind), self.timeout_s)
        if isinstance(frame.value, ErrorReply):
            code = frame.value.code
            raise InstrumentError(f"{io.link.name}: command 0x{cmd:02x} refused (code {code})")
        return frame

    def on_connect(self, io: Exchange[Message]) -> None:
        """Link test, then each family's item table (names of gold analytes)."""
        io.reset()
        self.cursor.clear()
        self.model = self._ask(io, CMD_LINK, b"", LinkReply).value.text
        logger.info("%s: instrument %s", io.link.name, self.model)
        for family in self.families:
            table: ItemTable = self._ask(io, command(family, ACT_ITEMS), b"", ItemTable).value
            for item in table.items:
                self.items[(family, item.item_id)] = item.name

    def poll(self, io: Exchange[Message]) -> Iterator[TestReading]:
        """New records of every family since the last poll, each handed on as soon as read."""
        for family in self.families:
            yield from self._poll_family(io, family)

    def _poll_family(self, io: Exchange[Message], family: Family) -> Iterator[TestReading]:
        now = self._local_now()
        span = struct.pack("<II", pack_fat(now - self.lookback), pack_fat(END_OF_RANGE))
        rng: RecordRange = self._ask(io, command(family, ACT_RANGE), span, RecordRange).value
        last = rng.first + rng.count - 1
        done = self.cursor.get(family, 0)
        if last < done:  # the instrument's memory was cleared: start over
            done = 0
        for number in range(max(rng.first, done + 1), last + 1) if rng.count else ():
            frame = self._ask(io, command(family, ACT_RECORD), struct.pack("<H", number), Record)
            yield from self._readings(frame.value, frame.raw)
            self.cursor[family] = number  # resumed only after the readings were handed on

    def _readings(self, rec: Record, raw: bytes) -> list[TestReading]:
        readings = from_dy3000(rec, raw, self.kit)
        name = self.items.get((rec.family, rec.item_id))
        if rec.family is Family.GOLD and name:
            readings = [replace(r, analyte=name) for r in readings]
        return readings
