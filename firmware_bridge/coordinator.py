"""One coordinator per instrument: owns its serial link, runs its driver, hands on readings.

Errors at the I/O edge arrive as `InstrumentError` (the link and the exchange translate serial
and protocol failures with `raise … from err`); the coordinator logs them, reconnects when the
port is gone, and keeps readings that could not be handed on until the sink takes them.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from agrisafe.worker import BackgroundWorker
from firmware_bridge.drivers.base import Driver, Exchange
from firmware_bridge.errors import InstrumentError
from firmware_bridge.readings import TestReading

logger = logging.getLogger(__name__)
Sink = Callable[[TestReading], None]


class InstrumentCoordinator(BackgroundWorker):
    """A thread driving one instrument (or the GPS receiver) through its link."""

    def __init__(
        self, name: str, io: Exchange[Any], driver: Driver, sink: Sink | None = None
    ) -> None:
        super().__init__(name)  # the device id: `BridgeApp.coordinator(name)` finds it by this
        self.io = io
        self.link = io.link
        self.driver = driver
        self._sink = sink
        self.pending: list[TestReading] = []
        self.errors = 0
        self.readings = 0
        self.online = threading.Event()  # connected and past the handshake
        self._session = 0
        self._last_error = ""

    def on_stop(self) -> None:
        """Close the port once the thread has ended."""
        self.link.close()

    def run(self) -> None:
        """Step the driver until stopped."""
        while not self.stopping:
            try:
                self._once()
            except Exception:  # a bug in a driver must not silently end the instrument
                logger.exception("%s: coordinator step failed", self.name)
                self.sleep(1.0)

    def _once(self) -> None:
        if not self.link.ensure_open():
            self.online.clear()
            return
        if self.link.connects != self._session:
            self.online.clear()
            if not self._guard(self.driver.on_connect):
                self.sleep(max(self.driver.poll_interval_s, 0.5))
                return
            self._session = self.link.connects
            self.online.set()
        self._deliver()
        before = time.monotonic()
        if self._guard(self._poll) and self.driver.poll_interval_s > 0:
            self.sleep(max(0.0, self.driver.poll_interval_s - (time.monotonic() - before)))

    def _poll(self, io: Exchange[Any]) -> None:
        for reading in self.driver.poll(io):  # hand each reading on as soon as it is read
            self.pending.append(reading)
            self._deliver()

    def _guard(self, step: Callable[[Exchange[Any]], None]) -> bool:
        """Run a driver step; an InstrumentError is logged (once per distinct message)."""
        try:
            step(self.io)
        except InstrumentError as err:
            self.errors += 1
            if str(err) != self._last_error:
                logger.warning("%s: %s", self.name, err)
                self._last_error = str(err)
            if not self.link.connected:
                self._session = 0  # handshake again after the reconnect
            return False
        self._last_error = ""
        return True

    def _deliver(self) -> None:
        """Hand pending readings to the sink, oldest first; keep them if the sink fails.

        The sink sets aside (quarantines) a reading that can never become a message, so what
        it raises is transient (outbox full, disk error) and the reading is retried in place.
        """
        if self._sink is None:
            self.pending.clear()
            return
        while self.pending:
            try:
                self._sink(self.pending[0])
            except Exception:  # outbox full or disk error: keep the reading, retry next step
                logger.exception("%s: could not record a reading; will retry", self.name)
                self.sleep(1.0)
                return
            self.pending.pop(0)
            self.readings += 1
