"""Serial ports: the `SerialLink` port, its pyserial adapter, and reconnection after unplugging.

A USB-serial adapter that is pulled out makes reads fail (EIO); `ReconnectingLink` closes the
port, waits with a growing back-off and opens the same path again, so a re-plugged instrument
(or a re-created pseudo-terminal) is picked up without restarting the bridge.
"""

import logging
import threading
import time
from dataclasses import dataclass
from typing import Literal, Protocol

import serial

from agrisafe.backoff import Backoff
from firmware_bridge.errors import InstrumentError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PortSettings:
    """How to open a serial port."""

    port: str
    baud: int = 9600
    bytesize: Literal[5, 6, 7, 8] = 8
    parity: Literal["N", "E", "O", "M", "S"] = "N"
    stopbits: Literal[1, 2] = 1
    timeout_s: float = 0.05  # how long one read waits for the first byte
    write_timeout_s: float = 1.0
    exclusive: bool = True  # flock the port so a second program cannot read our frames
    rtscts: bool = False
    xonxoff: bool = False


class SerialLink(Protocol):
    """A byte pipe to one instrument."""

    name: str

    def open(self) -> None:
        """Open the port; raise InstrumentError if it cannot be opened."""
        ...

    def close(self) -> None:
        """Close the port (idempotent)."""
        ...

    def read(self, max_bytes: int = 4096) -> bytes:
        """Bytes that arrived (waits up to the read timeout for the first); b"" if none."""
        ...

    def write(self, data: bytes) -> None:
        """Send bytes; raise InstrumentError if the port is gone."""
        ...

    @property
    def is_open(self) -> bool:
        """Whether the port is open."""
        ...


class PySerialLink:
    """`SerialLink` adapter on pyserial (real ports, USB adapters and pseudo-terminals)."""

    def __init__(self, settings: PortSettings) -> None:
        self.settings = settings
        self.name = settings.port
        self._port: serial.Serial | None = None

    def open(self) -> None:
        """Open and configure the port (8N1 etc., exclusive lock)."""
        s = self.settings
        port = serial.Serial()
        port.port = s.port
        port.baudrate = s.baud
        port.bytesize = s.bytesize
        port.parity = s.parity
        port.stopbits = s.stopbits
        port.timeout = s.timeout_s
        port.write_timeout = s.write_timeout_s
        port.rtscts = s.rtscts
        port.xonxoff = s.xonxoff
        port.exclusive = s.exclusive
        try:
            port.open()
        except (serial.SerialException, OSError, ValueError) as err:
            raise InstrumentError(f"cannot open serial port {s.port}: {err}") from err
        self._port = port

    def close(self) -> None:
        """Close the port; errors on an already-dead port are ignored."""
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                logger.debug("closing %s failed (already gone)", self.name)

    @property
    def is_open(self) -> bool:
        """Whether the port is open."""
        return self._port is not None

    def _require(self) -> serial.Serial:
        if self._port is None:
            raise InstrumentError(f"serial port {self.name} is not open")
        return self._port

    def read(self, max_bytes: int = 4096) -> bytes:
        """Wait for one byte, then take whatever else is already waiting."""
        port = self._require()
        try:
            first = port.read(1)
            if not first:
                return b""
            waiting = min(port.in_waiting, max_bytes - 1)
            return first + (port.read(waiting) if waiting > 0 else b"")
        except (serial.SerialException, OSError) as err:
            raise InstrumentError(f"serial port {self.name} failed while reading: {err}") from err

    def write(self, data: bytes) -> None:
        """Write all bytes and wait until they left."""
        port = self._require()
        try:
            port.write(data)
            port.flush()
        except (serial.SerialException, OSError) as err:
            raise InstrumentError(f"serial port {self.name} failed while writing: {err}") from err


class ReconnectingLink:
    """Wraps a link: opens it on demand and re-opens it with back-off after it failed."""

    def __init__(
        self,
        link: SerialLink,
        *,
        min_backoff_s: float = 0.2,
        max_backoff_s: float = 5.0,
        stop: threading.Event | None = None,
    ) -> None:
        self.link = link
        self.name = link.name
        self.min_backoff_s, self.max_backoff_s = min_backoff_s, max_backoff_s
        self.connects = 0  # successful opens (1 + reconnects)
        self._backoff = Backoff(min_backoff_s, max_backoff_s)
        self._next_try = 0.0
        self._stop = stop or threading.Event()

    @property
    def failures(self) -> int:
        """Failed opens since the last success."""
        return self._backoff.failures

    @property
    def connected(self) -> bool:
        """Whether the port is open right now."""
        return self.link.is_open

    def ensure_open(self) -> bool:
        """Open the port if it is closed and the back-off allows; True when it is open."""
        if self.link.is_open:
            return True
        wait = self._next_try - time.monotonic()
        if wait > 0:
            self._stop.wait(min(wait, 0.2))
            return False
        try:
            self.link.open()
        except InstrumentError as err:
            self._schedule_retry(err)
            return False
        self.connects += 1
        self._backoff.reset()
        logger.info("serial port %s open (connect #%d)", self.name, self.connects)
        return True

    def _schedule_retry(self, err: Exception) -> None:
        delay = self._backoff.next()
        failures = self.failures
        if failures & (failures - 1) == 0:  # 1st, 2nd, 4th, 8th …: not every retry
            logger.warning("%s; retry %d, every ≤ %.1f s", err, failures, self.max_backoff_s)
        self._next_try = time.monotonic() + delay

    def drop(self, err: Exception) -> None:
        """The port failed: close it and retry opening after the back-off."""
        logger.warning("serial port %s lost: %s", self.name, err)
        self.link.close()
        self._schedule_retry(err)

    def read(self, max_bytes: int = 4096) -> bytes:
        """Read if open (b"" while reconnecting); a failure closes the port for a retry."""
        if not self.ensure_open():
            return b""
        try:
            return self.link.read(max_bytes)
        except InstrumentError as err:
            self.drop(err)
            return b""

    def write(self, data: bytes) -> None:
        """Write; raise InstrumentError (and schedule a reconnect) if the port is gone."""
        if not self.ensure_open():
            raise InstrumentError(f"serial port {self.name} is not connected")
        try:
            self.link.write(data)
        except InstrumentError as err:
            self.drop(err)
            raise

    def close(self) -> None:
        """Close for good."""
        self.link.close()
