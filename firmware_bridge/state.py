"""The bridge's small durable memory: what was published or set aside, samples, walk cursors."""

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS published (key TEXT PRIMARY KEY, at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS samples (
    sample TEXT PRIMARY KEY, commodity TEXT NOT NULL, at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine (
    key TEXT PRIMARY KEY, raw BLOB NOT NULL, reason TEXT NOT NULL, at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A reading that can never become a message, kept with its raw frame and the reason."""

    key: str
    raw: bytes
    reason: str
    at_ms: int


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
        """Whether a reading with this key was already handed to the outbox (or set aside)."""
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

    def quarantine(self, key: str, raw: bytes, reason: str) -> None:
        """Set a reading aside for good: kept with its raw bytes and reason, and marked handled.

        Both rows go in one transaction, so a crash cannot leave a reading marked but not kept.
        """
        now = int(time.time() * 1000)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "INSERT OR REPLACE INTO quarantine (key, raw, reason, at_ms)"
                    " VALUES (?, ?, ?, ?)",
                    (key, raw, reason, now),
                )
                self._db.execute(
                    "INSERT OR IGNORE INTO published (key, at_ms) VALUES (?, ?)", (key, now)
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def quarantined(self) -> list[Quarantined]:
        """Every reading set aside, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT key, raw, reason, at_ms FROM quarantine ORDER BY at_ms, key"
            ).fetchall()
        return [Quarantined(str(k), bytes(r), str(why), int(at)) for k, r, why, at in rows]

    def cursor(self, name: str) -> str | None:
        """A driver's saved position (e.g. where a TY16 walk has to resume), if any."""
        with self._lock:
            row = self._db.execute("SELECT value FROM cursors WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_cursor(self, name: str, value: str | None) -> None:
        """Save (or, with None, forget) a driver's position."""
        with self._lock:
            if value is None:
                self._db.execute("DELETE FROM cursors WHERE name = ?", (name,))
            else:
                self._db.execute(
                    "INSERT OR REPLACE INTO cursors (name, value) VALUES (?, ?)", (name, value)
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
