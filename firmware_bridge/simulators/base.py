"""A simulator thread: answer what the bridge sends, and tick for streaming instruments."""

import logging
import threading
import time
from pathlib import Path

from agrisafe.worker import BackgroundWorker
from firmware_bridge.simulators.pty import PtyPort

logger = logging.getLogger(__name__)


class PtySimulator:
    """Base of every simulator: owns a `PtyPort` and a thread; subclasses override the hooks."""

    name = "simulator"
    tick_s = 0.05

    def __init__(self, link: Path | None = None) -> None:
        self.port = PtyPort(link)
        self.lock = threading.Lock()
        self._worker = _SimulatorThread(self)
        self.frames_sent = 0

    @property
    def path(self) -> str:
        """What the bridge should open."""
        return self.port.path

    def start(self) -> str:
        """Open the pty and start answering; return its path."""
        path = self.port.open()
        self._worker.start()
        return path

    def stop(self) -> None:
        """Stop and remove the pty."""
        self._worker.stop()
        self.port.close()

    def send(self, data: bytes) -> float:
        """Write a frame to the bridge; return the monotonic time its last byte was written."""
        self.port.write(data)
        self.frames_sent += 1
        return time.monotonic()

    def step(self) -> None:
        """One round: wait up to `tick_s` for bytes, answer them, then tick."""
        data = self.port.read(self.tick_s)
        try:
            with self.lock:
                if data:
                    self.on_bytes(data)
                self.on_tick(time.monotonic())
        except Exception:  # a simulator bug must not leave the pty silent without a trace
            logger.exception("%s simulator failed", self.name)

    def on_bytes(self, data: bytes) -> None:
        """Bytes arrived from the bridge (requests)."""

    def on_tick(self, now: float) -> None:
        """Called about every `tick_s` seconds."""


class _SimulatorThread(BackgroundWorker):
    """The thread of one simulator (composed, so `start()` can return the pty path)."""

    def __init__(self, sim: PtySimulator) -> None:
        super().__init__(f"sim-{sim.name}")
        self._sim = sim

    def run(self) -> None:
        """Step the simulator until stopped."""
        while not self.stopping:
            self._sim.step()
