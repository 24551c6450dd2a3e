"""The bridge's small durable memory: which readings were published, and which samples exist."""

import sqlite3
import threading
import time
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS published (key TEXT PRIMARY KEY, at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS samples (
    sample TEXT PRIMARY KEY, commodity TEXT NOT NULL, at_ms INTEGER NOT NULL
);
"""


class BridgeState:
    """SQLite (WAL) store shared by the coordinators; safe across threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # a lost mark only re-sends a stable id
        self._db.executescript(_SCHEMA)

    def published(self, key: str) -> bool:
        """Whether a reading with this key was already handed to the outbox."""
        with self._lock:
            row = self._db.execute("SELECT 1 FROM published WHERE key = ?", (key,)).fetchone()
        return row is not None

    def mark_published(self, key: str) -> None:
        """Remember that a reading went to the outbox."""
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO published (key, at_ms) VALUES (?, ?)",
                (key, int(time.time() * 1000)),
            )

    def remember_sample(self, sample: str, commodity: str) -> None:
        """A sampling record names the commodity of a sample id."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO samples (sample, commodity, at_ms) VALUES (?, ?, ?)",
                (sample, commodity, int(time.time() * 1000)),
            )

    def commodity_of(self, sample: str) -> str | None:
        """The commodity recorded when the sample was taken, if any."""
        with self._lock:
            row = self._db.execute(
                "SELECT commodity FROM samples WHERE sample = ?", (sample,)
            ).fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
