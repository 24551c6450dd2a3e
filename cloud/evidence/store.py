"""Content-addressed evidence files: `root/ab/abcdef…` plus `…media` with the media type.

Uploads are streamed into `root/.staging/` while their SHA-256 is computed, then moved into
place under that hash: nothing is ever held whole in memory.
"""

import fcntl
import hashlib
import logging
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from agrisafe.files import atomic_write

logger = logging.getLogger(__name__)

SHA256 = re.compile(r"^[0-9a-f]{64}$")
DEFAULT_MEDIA = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class StoredEvidence:
    """A stored file and its media type."""

    path: Path
    media: str


class Staged:
    """An upload being written to a staging file, hashed as it goes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = 0
        self.head = b""
        self._hash = hashlib.sha256()
        self._file: BinaryIO = path.open("xb")

    def write(self, chunk: bytes) -> None:
        """Append a chunk (blocking: call from a worker thread)."""
        if len(self.head) < 64:
            self.head += chunk[: 64 - len(self.head)]
        self._hash.update(chunk)
        self._file.write(chunk)
        self.size += len(chunk)

    def close(self) -> str:
        """Flush to disk; the SHA-256 hex of everything written."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        return self._hash.hexdigest()

    def discard(self) -> None:
        """Drop the staging file."""
        if not self._file.closed:
            self._file.close()
        self.path.unlink(missing_ok=True)


class EvidenceStore:
    """Evidence files under one directory, named by the SHA-256 of their bytes."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha: str) -> Path:
        """Where the file with this hash lives (whether it exists or not)."""
        return self.root / sha[:2] / sha

    def stage(self) -> Staged:
        """A new staging file for an upload."""
        staging = self.root / ".staging"
        staging.mkdir(parents=True, exist_ok=True)
        return Staged(staging / secrets.token_hex(16))

    @contextmanager
    def locked(self, sha: str) -> Iterator[None]:
        """Hold the lock of this hash (shared by the 1/256 of hashes with its first two digits),
        across threads and processes. Adopting a file and recording who holds it happen under
        it, and so does deleting a file no site holds: without it an upload refused for quota
        could delete the file a concurrent upload of the same bytes had just found in place."""
        locks = self.root / ".locks"
        locks.mkdir(parents=True, exist_ok=True)
        with (locks / sha[:2]).open("ab") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def adopt(self, staged: Staged, sha: str, media: str) -> bool:
        """Move a closed staging file into place; False (and dropped) when already held."""
        final = self.path(sha)
        if final.exists():
            staged.discard()
            return False
        final.parent.mkdir(parents=True, exist_ok=True)
        # The media type first: a file that exists is then always complete and typed.
        atomic_write(final.with_suffix(".media"), media.encode())
        os.replace(staged.path, final)
        logger.info("evidence %s stored (%d bytes, %s)", sha, staged.size, media)
        return True

    def remove(self, sha: str) -> None:
        """Delete a stored file (an upload refused after it was moved into place)."""
        final = self.path(sha)
        final.unlink(missing_ok=True)
        final.with_suffix(".media").unlink(missing_ok=True)

    def get(self, sha: str) -> StoredEvidence | None:
        """The stored file and its media type, or None."""
        path = self.path(sha)
        if not path.is_file():
            return None
        media_file = path.with_suffix(".media")
        media = media_file.read_text("utf-8") if media_file.exists() else DEFAULT_MEDIA
        return StoredEvidence(path, media)
