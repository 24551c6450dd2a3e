"""The instrument's end of a pseudo-terminal, with unplug/replug for reconnect tests.

The slave side is put in raw mode (no echo, no CR/LF translation) and kept open by the
simulator so the terminal keeps its settings while the bridge is away. With `link` set, a
stable symlink points at the current /dev/pts/N, as /dev/serial/by-id does for USB adapters;
`unplug()` removes it before closing, so the bridge never opens a recycled pts number.
"""

import contextlib
import logging
import os
import select
import time
import tty
from pathlib import Path

logger = logging.getLogger(__name__)


class PtyPort:
    """One pseudo-terminal pair; the bridge opens `path`, the simulator reads and writes here."""

    def __init__(self, link: Path | None = None) -> None:
        self.link = link
        self._master = -1
        self._slave = -1
        self.tty_name = ""
        self.dropped = 0  # bytes discarded because nobody was reading (like a UART overrun)

    @property
    def path(self) -> str:
        """What the bridge should open."""
        return str(self.link) if self.link is not None else self.tty_name

    @property
    def plugged(self) -> bool:
        """Whether the pty exists."""
        return self._master >= 0

    def open(self) -> str:
        """Create the pty (and the symlink); return the path to open."""
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.tty_name = os.ttyname(self._slave)
        if self.link is not None:
            tmp = self.link.with_name(self.link.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(self.tty_name)
            tmp.replace(self.link)  # atomic: never a dangling or half-made link
        logger.debug("pty %s open (%s)", self.tty_name, self.path)
        return self.path

    def unplug(self) -> None:
        """Like pulling the USB adapter: the bridge's reads fail until `replug()`."""
        if self.link is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link.unlink()
        for fd in (self._master, self._slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = -1

    def replug(self) -> str:
        """A fresh pty behind the same link."""
        self.unplug()
        return self.open()

    def close(self) -> None:
        """Remove everything."""
        self.unplug()

    def read(self, timeout_s: float) -> bytes:
        """What the bridge sent, waiting up to `timeout_s`; b"" if nothing (or unplugged)."""
        if self._master < 0:
            time.sleep(timeout_s)  # unplugged: behave like a silent line, not a busy loop
            return b""
        try:
            ready, _, _ = select.select([self._master], [], [], timeout_s)
            return os.read(self._master, 4096) if ready else b""
        except (BlockingIOError, InterruptedError):
            return b""
        except OSError:  # EIO while the other side re-opens: nothing to read
            return b""

    def write(self, data: bytes) -> int:
        """Send to the bridge; bytes that do not fit the tty buffer are dropped and counted."""
        if self._master < 0:
            self.dropped += len(data)
            return 0
        sent = 0
        try:
            while sent < len(data):
                sent += os.write(self._master, data[sent:])
        except BlockingIOError:
            self.dropped += len(data) - sent
        except OSError as err:
            logger.debug("pty write failed: %s", err)
            self.dropped += len(data) - sent
        return sent
