"""Evidence on disk: JPEG snapshots and MP4 clips, content-addressed by SHA-256, with a quota.

Files are named by their hash, so a re-run that produces the same picture stores it once.
A small SQLite index (its own file: the outbox is never touched) remembers size, age and upload
state; when the quota is exceeded the oldest evidence is deleted first, uploaded or not. A file
the cloud refuses for good is set aside (kept, never resent) and one deleted before it was
uploaded is recorded as lost: both with the reason in `evidence_set_aside`, neither ever counts
as uploaded. `requeue` puts refused files back in the queue (`agrisafe edge evidence requeue`).
"""

import hashlib
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from agrisafe.files import atomic_write
from agrisafe.protocol import EvidenceRef

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS evidence (
    sha256     TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    media      TEXT NOT NULL,
    bytes      INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    uploaded   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS evidence_age ON evidence (created_ms);
CREATE TABLE IF NOT EXISTS evidence_set_aside (
    sha256  TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason  TEXT NOT NULL,
    at_ms   INTEGER NOT NULL
);
"""
# `evidence.uploaded`: the file's upload state.
PENDING, UPLOADED, REJECTED, LOST = 0, 1, 2, 3


def evidence_uri(sha256: str) -> str:
    """Where the cloud serves a piece of evidence once uploaded."""
    return f"/api/v1/evidence/{sha256}"


@dataclass(frozen=True, slots=True)
class EvidenceCounts:
    """Files waiting for upload, and (ever) set aside as refused or lost before upload."""

    pending: int
    rejected: int
    lost: int


@dataclass(frozen=True, slots=True)
class Pending:
    """Evidence not yet uploaded."""

    sha256: str
    path: Path
    media: str


class EvidenceStore:
    """Content-addressed files under `root` with a byte quota; safe to share between threads."""

    def __init__(self, root: Path, quota_bytes: int) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.quota = quota_bytes
        self._lock = threading.Lock()
        self._db = sqlite3.connect(root / "index.db", check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def put_bytes(self, data: bytes, media: str, suffix: str) -> EvidenceRef:
        """Store bytes (atomically: temp file, fsync, rename) and return their reference."""
        sha = hashlib.sha256(data).hexdigest()
        path = self.root / f"{sha}{suffix}"
        if not path.exists():
            atomic_write(path, data, mode=0o600)  # evidence may show people: owner-only
        self._index(sha, path.name, media, len(data))
        return EvidenceRef(sha256=sha, media=media, uri=evidence_uri(sha))

    def put_file(self, tmp: Path, media: str, suffix: str) -> EvidenceRef:
        """Adopt a finished file (a clip) under its hash name."""
        data = tmp.read_bytes()
        tmp.unlink(missing_ok=True)
        return self.put_bytes(data, media, suffix)

    def _index(self, sha: str, name: str, media: str, size: int) -> None:
        with self._lock:
            # A file lost from disk and made again (same bytes) is pending once more.
            self._db.execute(
                "INSERT INTO evidence (sha256, name, media, bytes, created_ms) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE SET uploaded = ? "
                "WHERE uploaded = ?",
                (sha, name, media, size, int(time.time() * 1000), PENDING, LOST),
            )
            self._db.commit()
            self._enforce_quota()

    def _enforce_quota(self) -> None:
        (total,) = self._db.execute("SELECT COALESCE(SUM(bytes), 0) FROM evidence").fetchone()
        if total <= self.quota:
            return
        for sha, name, size, state in self._db.execute(
            "SELECT sha256, name, bytes, uploaded FROM evidence ORDER BY created_ms, rowid"
        ).fetchall():
            if total <= self.quota:
                break
            (self.root / name).unlink(missing_ok=True)
            self._db.execute("DELETE FROM evidence WHERE sha256 = ?", (sha,))
            total -= size
            if state == PENDING:  # the cloud never got it: say so, never let it pass as sent
                self._set_aside(sha, name, LOST, "deleted by the edge quota before upload")
            else:
                logger.warning("evidence quota: deleted %s (%d bytes)", name, size)
        self._db.commit()

    def _set_aside(self, sha: str, name: str, state: int, reason: str) -> None:
        outcome = "lost" if state == LOST else "rejected"
        logger.error("evidence %s %s: %s", name, outcome.upper(), reason)
        self._db.execute(
            "INSERT OR REPLACE INTO evidence_set_aside (sha256, name, outcome, reason, at_ms) "
            "VALUES (?, ?, ?, ?, ?)",
            (sha, name, outcome, reason, int(time.time() * 1000)),
        )

    def pending(self, limit: int = 20) -> list[Pending]:
        """Oldest evidence not yet uploaded."""
        with self._lock:
            rows = self._db.execute(
                "SELECT sha256, name, media FROM evidence WHERE uploaded = ? "
                "ORDER BY created_ms, rowid LIMIT ?",
                (PENDING, limit),
            ).fetchall()
        return [Pending(sha, self.root / name, media) for sha, name, media in rows]

    def mark_uploaded(self, sha256: str) -> None:
        """The cloud confirmed it holds this hash."""
        with self._lock:
            self._db.execute(
                "UPDATE evidence SET uploaded = ? WHERE sha256 = ?", (UPLOADED, sha256)
            )
            self._db.commit()

    def mark_rejected(self, sha256: str, reason: str) -> None:
        """The cloud refused this file for good: keep it on disk, never resend it."""
        self._mark(sha256, REJECTED, reason)

    def mark_lost(self, sha256: str, reason: str) -> None:
        """The file went missing before it was uploaded."""
        self._mark(sha256, LOST, reason)

    def _mark(self, sha256: str, state: int, reason: str) -> None:
        with self._lock:
            row = self._db.execute(
                "SELECT name FROM evidence WHERE sha256 = ?", (sha256,)
            ).fetchone()
            if row is None:  # deleted by the quota meanwhile, which recorded it already
                return
            self._db.execute("UPDATE evidence SET uploaded = ? WHERE sha256 = ?", (state, sha256))
            self._set_aside(sha256, row[0], state, reason)
            self._db.commit()

    def requeue(self, shas: Iterable[str] | None = None) -> list[str]:
        """Put files the cloud refused (all, or those of `shas`) back in the queue, oldest
        first as before; returns the hashes requeued. Lost files have no bytes to send."""
        chosen = None if shas is None else set(shas)
        with self._lock:
            rows = self._db.execute(
                "SELECT sha256 FROM evidence WHERE uploaded = ? ORDER BY created_ms, rowid",
                (REJECTED,),
            ).fetchall()
            wanted = [sha for (sha,) in rows if chosen is None or sha in chosen]
            for sha in wanted:
                self._db.execute(
                    "UPDATE evidence SET uploaded = ? WHERE sha256 = ?", (PENDING, sha)
                )
                self._db.execute("DELETE FROM evidence_set_aside WHERE sha256 = ?", (sha,))
            self._db.commit()
        for sha in wanted:
            logger.warning("evidence %s requeued for upload", sha)
        return wanted

    def set_aside(self) -> dict[str, tuple[str, str]]:
        """sha256 → (outcome `rejected`/`lost`, reason) of every file set aside."""
        with self._lock:
            rows = self._db.execute(
                "SELECT sha256, outcome, reason FROM evidence_set_aside"
            ).fetchall()
        return {sha: (outcome, reason) for sha, outcome, reason in rows}

    def counts(self) -> EvidenceCounts:
        """Pending files and those ever set aside (telemetry)."""
        with self._lock:
            (pending,) = self._db.execute(
                "SELECT COUNT(*) FROM evidence WHERE uploaded = ?", (PENDING,)
            ).fetchone()
            by = dict(
                self._db.execute(
                    "SELECT outcome, COUNT(*) FROM evidence_set_aside GROUP BY outcome"
                ).fetchall()
            )
        return EvidenceCounts(int(pending), int(by.get("rejected", 0)), int(by.get("lost", 0)))

    def total_bytes(self) -> int:
        """Bytes of evidence on disk (as indexed)."""
        with self._lock:
            (total,) = self._db.execute("SELECT COALESCE(SUM(bytes), 0) FROM evidence").fetchone()
        return int(total)

    def close(self) -> None:
        """Close the index."""
        with self._lock:
            self._db.close()


def jpeg(image: npt.NDArray[np.uint8], quality: int) -> bytes:
    """Encode a BGR frame as JPEG (deterministic for the same pixels)."""
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return bytes(buf.tobytes())
