"""Serial links on real pseudo-terminals: reading, exclusive access, unplug and re-plug."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware_bridge.errors import InstrumentError
from firmware_bridge.serial_link import PortSettings, PySerialLink, ReconnectingLink
from firmware_bridge.simulators.pty import PtyPort


def read_until(link: ReconnectingLink, want: bytes, timeout_s: float = 5.0) -> bytes:
    got = b""
    deadline = time.monotonic() + timeout_s
    while want not in got and time.monotonic() < deadline:
        got += link.read()
    return got


@pytest.fixture
def pty(tmp_path: Path) -> Iterator[PtyPort]:
    port = PtyPort(tmp_path / "ttyINSTR")
    port.open()
    yield port
    port.close()


def test_bytes_flow_both_ways(pty: PtyPort) -> None:
    link = PySerialLink(PortSettings(pty.path, baud=115200))
    link.open()
    try:
        pty.write(b"\x03\xff hello")
        deadline = time.monotonic() + 5
        got = b""
        while len(got) < 8 and time.monotonic() < deadline:
            got += link.read()
        assert got == b"\x03\xff hello"
        link.write(b"\x1b\xb1")
        assert pty.read(2.0) == b"\x1b\xb1"  # raw mode: no echo, no CR/LF translation
    finally:
        link.close()


def test_the_port_is_exclusive(pty: PtyPort) -> None:
    first = PySerialLink(PortSettings(pty.path))
    first.open()
    try:
        with pytest.raises(InstrumentError, match="cannot open"):
            PySerialLink(PortSettings(pty.path)).open()
    finally:
        first.close()


def test_missing_port_is_an_instrument_error(tmp_path: Path) -> None:
    with pytest.raises(InstrumentError, match="ttyNONE") as info:
        PySerialLink(PortSettings(str(tmp_path / "ttyNONE"))).open()
    assert info.value.__cause__ is not None  # the pyserial error is chained


def test_reconnects_after_the_pty_is_unplugged_and_replugged(pty: PtyPort) -> None:
    link = ReconnectingLink(
        PySerialLink(PortSettings(pty.path)), min_backoff_s=0.05, max_backoff_s=0.2
    )
    try:
        assert link.ensure_open()  # opening flushes what arrived before, like a real port
        pty.write(b"before")
        assert b"before" in read_until(link, b"before")
        assert link.connects == 1

        pty.unplug()  # the USB adapter is pulled: reads fail, the link closes itself
        deadline = time.monotonic() + 5
        while link.connected and time.monotonic() < deadline:
            link.read()
        assert not link.connected
        with pytest.raises(InstrumentError):
            link.write(b"x")

        pty.replug()  # plugged in again: same path, new pseudo-terminal
        deadline = time.monotonic() + 5
        while not link.connected and time.monotonic() < deadline:
            link.read()
        assert link.connected
        assert link.connects == 2
        pty.write(b"after")  # the reconnect happened in a read, so this is not flushed
        assert b"after" in read_until(link, b"after")
        link.write(b"ping")
        assert pty.read(2.0) == b"ping"
    finally:
        link.close()
