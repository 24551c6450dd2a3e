"""The data directory and the SQLite file are private to the cloud's user (0700 / 0600):
they hold token hashes, webhook secrets, evidence and raw quarantined messages."""

import logging
import os
from pathlib import Path

from sqlalchemy import Engine

from cloud.settings import CloudSettings

logger = logging.getLogger(__name__)
DIR_MODE = 0o700
FILE_MODE = 0o600


def private_data_dir(settings: CloudSettings) -> Path:
    """Create the data directory if needed and make it 0700."""
    path = settings.ensure_data_dir()
    os.chmod(path, DIR_MODE)
    return path


def private_sqlite_file(engine: Engine) -> None:
    """Make a SQLite database file (and its WAL/SHM companions) 0600; others: nothing."""
    name = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or not name or name == ":memory:":
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = Path(name + suffix)
        if path.exists():
            os.chmod(path, FILE_MODE)
