"""The bridge's message-id secret: 32 random bytes made on first start and kept in a file.

It keys the HMAC behind rapid-test ids (`firmware_bridge.envelopes.stable_id`), so that the id
of an instrument's coming result cannot be computed, and claimed first, by another sender. It
must outlive restarts (a re-read record must get its old id, for the cloud to see a duplicate):
back it up with the bridge's data directory; a lost key only makes re-read records new ids.
"""

import logging
import os
import secrets
from pathlib import Path

from firmware_bridge.errors import ConfigError

logger = logging.getLogger(__name__)
KEY_BYTES = 32


def load_or_create(path: Path) -> bytes:
    """The key in `path` (hex), created there (mode 0600) when the file does not exist."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    try:
        # O_EXCL: two bridges started at once on one directory agree on the first key written.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key.hex() + "\n")
        out.flush()
        os.fsync(out.fileno())
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
