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
