"""A line/CSV instrument simulator: prints one checksummed line per finished test."""

from pathlib import Path

from firmware_bridge.protocols import Protocol
from firmware_bridge.protocols.line import LineFormat, encode_line
from firmware_bridge.simulators.base import PtySimulator


class LineSimulator(PtySimulator):
    """Streams result lines as tests finish (no polling)."""

    name = Protocol.LINE.value

    def __init__(self, link: Path | None = None, fmt: LineFormat | None = None) -> None:
        super().__init__(link)
        self.fmt = fmt or LineFormat()

    def emit(self, values: dict[str, str]) -> float:
        """Print one record now; return the monotonic time its last byte was written."""
        with self.lock:
            return self.send(encode_line(self.fmt, values))
