"""What the boundary kept back: raw bytes (capped), topic, reason, when — in local SQLite.

Bounded: at most `max_rows` rows, the oldest go first (a device stuck sending garbage must not
fill the gateway's disk). An operator reads it with `agrisafe gateway quarantine`.
"""

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS quarantine (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    rx_ms     INTEGER NOT NULL,
    topic     TEXT    NOT NULL,
    device    TEXT,
    msg_id    TEXT,
    reason    TEXT    NOT NULL,
    detail    TEXT    NOT NULL,
    raw       BLOB    NOT NULL,
    raw_bytes INTEGER NOT NULL
);
"""
RAW_CAP = 64 * 1024


@dataclass(frozen=True, slots=True)
class Kept:
    """One quarantined message."""

    rx_ms: int
    topic: str
    device: str | None
    msg_id: str | None
    reason: str
    detail: str
    raw: bytes
    raw_bytes: int


class LocalQuarantine:
    """The gateway's quarantine; safe to share between threads."""

    def __init__(self, path: Path, *, max_rows: int = 100_000) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.max_rows = max_rows
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def add(self, rows: list[Kept]) -> None:
        """Keep these rows (one transaction), dropping the oldest beyond `max_rows`."""
        if not rows:
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT INTO quarantine (rx_ms, topic, device, msg_id, reason, detail, raw, "
                "raw_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        r.rx_ms,
                        r.topic,
                        r.device,
                        r.msg_id,
                        r.reason,
                        r.detail[:2000],
                        r.raw[:RAW_CAP],
                        r.raw_bytes,
                    )
                    for r in rows
                ],
            )
            self._db.execute(
                "DELETE FROM quarantine WHERE seq <= (SELECT MAX(seq) FROM quarantine) - ?",
                (self.max_rows,),
            )
            self._db.execute("COMMIT")

    def recent(self, limit: int = 100) -> list[Kept]:
        """The newest rows first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT rx_ms, topic, device, msg_id, reason, detail, raw, raw_bytes "
                "FROM quarantine ORDER BY seq DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [Kept(r[0], r[1], r[2], r[3], r[4], r[5], bytes(r[6]), r[7]) for r in rows]

    def count(self) -> int:
        """Rows kept."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0])

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()


def now_ms() -> int:
    """Wall-clock milliseconds (the gateway's receive time)."""
    return int(time.time() * 1000)
