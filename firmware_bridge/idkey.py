"""The bridge's message-id secret: 32 random bytes made on first start and kept in a file.

It keys the HMAC behind rapid-test ids (`firmware_bridge.envelopes.stable_id`), so that the id
of an instrument's coming result cannot be computed, and claimed first, by another sender. It
must outlive restarts (a re-read record must get its old id, for the cloud to see a duplicate):
back it up with the bridge's data directory; a lost key only makes re-read records new ids.
"""

import logging
import secrets
from pathlib import Path

from agrisafe.files import atomic_write
from firmware_bridge.errors import ConfigError

logger = logging.getLogger(__name__)
KEY_BYTES = 32


def load_or_create(path: Path) -> bytes:
    """The key in `path` (hex), created there (mode 0600) when the file does not exist."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(KEY_BYTES)
    try:
        # Whole or not at all (a crash mid-write never leaves an empty key the bridge refuses),
        # and never over a key another bridge on this directory wrote first: that one wins.
        atomic_write(path, (key.hex() + "\n").encode(), mode=0o600, exclusive=True)
    except FileExistsError:
        return _read(path)
    logger.info("created the bridge's message-id key in %s (keep it with the data directory)", path)
    return key


def _read(path: Path) -> bytes:
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < KEY_BYTES:
        raise ConfigError(
            f"{path}: expected the bridge's message-id key ({KEY_BYTES * 2} hex digits); "
            "restore it from a backup, or delete the file to make a new one"
        )
    return key
