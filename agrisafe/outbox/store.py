"""A durable FIFO of MQTT publications in SQLite (WAL), between a producer and the broker.

Durability choice: WAL with `synchronous=FULL`, so every committed `put` has been fsynced to the
WAL before `put` returns — a `kill -9` or a power cut loses nothing that `put` acknowledged.
That costs one fsync per transaction; producers with bursts use `put_many` to pay it once.
Acks (deletes) use the same connection; losing an ack to a crash only causes a re-send, which
the cloud de-duplicates by message id.
"""

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    topic      TEXT    NOT NULL,
    payload    BLOB    NOT NULL,
    qos        INTEGER NOT NULL,
    retain     INTEGER NOT NULL,
    droppable  INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_droppable ON outbox (droppable, seq);
"""


_OLDEST_DROPPABLE = "SELECT seq, LENGTH(payload) FROM outbox WHERE droppable = 1 ORDER BY seq"
_OLDEST = "SELECT seq, LENGTH(payload) FROM outbox ORDER BY seq"


class OverflowPolicy(StrEnum):
    """What to do when the outbox is full, after droppable rows (telemetry) are gone."""

    REJECT_NEW = "reject_new"  # raise OutboxFull: the producer must slow down or alarm
    DROP_OLDEST = "drop_oldest"  # keep the newest: for sites that prefer fresh over complete


class OutboxFull(RuntimeError):
    """The outbox reached its size bound and the policy refuses new rows."""


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One queued publication."""

    seq: int
    topic: str
    payload: bytes
    qos: int
    retain: bool


@dataclass(frozen=True, slots=True)
class Publication:
    """What a producer hands to `put_many`."""

    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = False
    droppable: bool = False


class SqliteOutbox:
    """The `Outbox` port's SQLite adapter; safe to share between threads."""

    def __init__(
        self,
        path: Path,
        *,
        max_bytes: int = 512 * 1024 * 1024,
        policy: OverflowPolicy = OverflowPolicy.REJECT_NEW,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.max_bytes = max_bytes
        self.policy = policy
        self.dropped = 0
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(_SCHEMA)
        row = self._db.execute("SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM outbox").fetchone()
        self._bytes = int(row[0])

    def put(
        self,
        topic: str,
        payload: bytes,
        *,
        qos: int = 1,
        retain: bool = False,
        droppable: bool = False,
    ) -> None:
        """Queue one publication durably."""
        self.put_many([Publication(topic, payload, qos, retain, droppable)])

    def put_many(self, items: list[Publication]) -> None:
        """Queue several publications in one durable transaction, in order."""
        if not items:
            return
        incoming = sum(len(i.payload) for i in items)
        now = int(time.time() * 1000)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                freed, dropped = self._make_room(incoming)
                self._db.executemany(
                    "INSERT INTO outbox (topic, payload, qos, retain, droppable, created_ms) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (i.topic, i.payload, i.qos, int(i.retain), int(i.droppable), now)
                        for i in items
                    ],
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            # Only now: a refused put rolls its deletes back, so the rows (and bytes) stay.
            self._bytes += incoming - freed
            if dropped:
                self.dropped += dropped
                logger.warning("outbox full: dropped %d oldest rows", dropped)

    def _make_room(self, incoming: int) -> tuple[int, int]:
        """Delete the oldest rows that must go for `incoming` bytes to fit: (bytes, rows) freed.

        Called inside the write transaction and changes no counter: the caller applies the
        result once the transaction commits. Droppable rows go first, oldest first."""
        over = self._bytes + incoming - self.max_bytes
        freed = dropped = 0
        for droppable_only in (True, False):
            if over <= 0:
                break
            if not droppable_only and self.policy is OverflowPolicy.REJECT_NEW:
                break
            rows = self._db.execute(_OLDEST_DROPPABLE if droppable_only else _OLDEST)
            doomed = []
            for seq, size in rows:
                if over <= 0:
                    break
                doomed.append((seq,))
                over -= size
                freed += size
            self._db.executemany("DELETE FROM outbox WHERE seq = ?", doomed)
            dropped += len(doomed)
        if over > 0:
            raise OutboxFull(f"outbox {self.path} is full ({self.max_bytes} bytes)")
        return freed, dropped

    def peek(self, after_seq: int = 0, limit: int = 100) -> list[OutboxItem]:
        """The oldest rows with seq > after_seq, in order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, topic, payload, qos, retain FROM outbox WHERE seq > ? "
                "ORDER BY seq LIMIT ?",
                (after_seq, limit),
            ).fetchall()
        return [OutboxItem(r[0], r[1], bytes(r[2]), r[3], bool(r[4])) for r in rows]

    def get(self, seqs: list[int]) -> list[OutboxItem]:
        """These rows (those still there), in order."""
        if not seqs:
            return []
        marks = ",".join("?" * len(seqs))
        with self._lock:
            rows = self._db.execute(
                f"SELECT seq, topic, payload, qos, retain FROM outbox WHERE seq IN ({marks}) "  # noqa: S608
                "ORDER BY seq",
                seqs,
            ).fetchall()
        return [OutboxItem(r[0], r[1], bytes(r[2]), r[3], bool(r[4])) for r in rows]

    def ack(self, seqs: list[int]) -> None:
        """Delete rows the broker acknowledged."""
        if not seqs:
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            sizes = self._db.execute(
                f"SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM outbox WHERE seq IN "  # noqa: S608
                f"({','.join('?' * len(seqs))})",
                seqs,
            ).fetchone()
            self._db.executemany("DELETE FROM outbox WHERE seq = ?", [(s,) for s in seqs])
            self._db.execute("COMMIT")
            self._bytes -= int(sizes[0])

    def depth(self) -> int:
        """Number of rows waiting."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    def oldest_created_ms(self) -> int | None:
        """When the oldest waiting row was queued (epoch ms), or None when empty."""
        with self._lock:
            row = self._db.execute("SELECT MIN(created_ms) FROM outbox").fetchone()
        return None if row[0] is None else int(row[0])

    def size_bytes(self) -> int:
        """Payload bytes waiting."""
        return self._bytes

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
