"""A simulator thread: answer what the bridge sends, and tick for streaming instruments."""

import logging
import threading
import time
from pathlib import Path

from firmware_bridge.simulators.pty import PtyPort

logger = logging.getLogger(__name__)


class PtySimulator:
    """Base of every simulator: owns a `PtyPort` and a thread; subclasses override the hooks."""

    name = "simulator"
    tick_s = 0.05

    def __init__(self, link: Path | None = None) -> None:
        self.port = PtyPort(link)
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.frames_sent = 0

    @property
    def path(self) -> str:
        """What the bridge should open."""
        return self.port.path

    def start(self) -> str:
        """Open the pty and start answering; return its path."""
        path = self.port.open()
        self._thread = threading.Thread(target=self._run, name=f"sim-{self.name}", daemon=True)
        self._thread.start()
        return path

    def stop(self) -> None:
        """Stop and remove the pty."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self.port.close()

    def send(self, data: bytes) -> float:
        """Write a frame to the bridge; return the monotonic time its last byte was written."""
        self.port.write(data)
        self.frames_sent += 1
        return time.monotonic()

    def _run(self) -> None:
        while not self._stop.is_set():
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
