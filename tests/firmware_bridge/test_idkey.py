"""The bridge's message-id key: made once, kept private, the same after a restart."""

import stat
from pathlib import Path

import pytest

from firmware_bridge.errors import ConfigError
from firmware_bridge.idkey import KEY_BYTES, load_or_create


def test_the_key_is_made_once_private_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "state" / "bridge-id.key"
    key = load_or_create(path)
    assert len(key) == KEY_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create(path) == key  # a restart: the same ids for re-read records
    assert load_or_create(tmp_path / "other.key") != key  # another bridge: other ids


@pytest.mark.parametrize("text", ["", "not hex", "00" * 8])
def test_a_damaged_key_file_is_an_error_naming_it(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bridge-id.key"
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"bridge-id\.key"):
        load_or_create(path)
    assert path.read_text() == text  # never silently replaced: old ids would change


def test_a_key_written_first_by_another_bridge_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two bridges on one directory: the second finds the name taken at link time and takes the
    # key already there; no temporary file is left behind.
    from agrisafe.files import atomic_write

    path = tmp_path / "bridge-id.key"
    theirs = "ab" * KEY_BYTES

    def raced(target: Path, data: bytes, *, mode: int, exclusive: bool) -> None:
        target.write_text(theirs)  # the other bridge linked its key in between
        atomic_write(target, data, mode=mode, exclusive=exclusive)

    monkeypatch.setattr("firmware_bridge.idkey.atomic_write", raced)
    assert load_or_create(path) == bytes.fromhex(theirs)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bridge-id.key"]


def test_the_key_is_made_where_hard_links_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # exFAT and some FUSE mounts refuse link(): the key is still made, once, mode 0600.
    import os

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", refuse)
    path = tmp_path / "bridge-id.key"
    key = load_or_create(path)
    assert len(key) == KEY_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create(path) == key
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bridge-id.key"]
