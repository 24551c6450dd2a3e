"""atomic_write: whole file or old file, never a temp left behind."""

import os
import stat
from pathlib import Path

import pytest

from agrisafe.files import atomic_write


def test_writes_replaces_and_sets_mode(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "a.bin"
    atomic_write(target, b"one")
    atomic_write(target, b"two", mode=0o600)
    assert target.read_bytes() == b"two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(target.parent) == ["a.bin"]


def test_failure_keeps_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "a.bin"
    atomic_write(target, b"old")

    with pytest.raises(TypeError):
        atomic_write(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.bin"]


def test_exclusive_never_replaces(tmp_path: Path) -> None:
    target = tmp_path / "key"
    atomic_write(target, b"first", exclusive=True)
    with pytest.raises(FileExistsError):
        atomic_write(target, b"second", exclusive=True)
    assert target.read_bytes() == b"first"
    assert os.listdir(tmp_path) == ["key"]


def _no_hard_links(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(1, "Operation not permitted")  # as exFAT / FUSE answer link()

    monkeypatch.setattr(os, "link", refuse)


def test_exclusive_without_hard_links_creates_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_hard_links(monkeypatch)
    target = tmp_path / "key"
    atomic_write(target, b"first", mode=0o600, exclusive=True)
    assert target.read_bytes() == b"first"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        atomic_write(target, b"second", exclusive=True)
    assert target.read_bytes() == b"first"
    assert os.listdir(tmp_path) == ["key"]  # no temp file left either way


def test_exclusive_fallback_removes_a_file_it_could_not_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_hard_links(monkeypatch)
    real_fsync = os.fsync
    calls = [0]

    def fsync_fails_in_the_fallback(fd: int) -> None:
        calls[0] += 1
        if calls[0] == 2:  # the first fsyncs the temp file; the second the created `path`
            raise OSError(5, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync_fails_in_the_fallback)
    with pytest.raises(OSError, match="Input/output"):
        atomic_write(tmp_path / "key", b"first", exclusive=True)
    assert os.listdir(tmp_path) == []
