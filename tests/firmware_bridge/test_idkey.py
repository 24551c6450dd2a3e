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
