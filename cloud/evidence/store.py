"""Content-addressed evidence files: `root/ab/abcdef…` plus `…media` with the media type."""

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from agrisafe.files import atomic_write

logger = logging.getLogger(__name__)

SHA256 = re.compile(r"^[0-9a-f]{64}$")
DEFAULT_MEDIA = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class StoredEvidence:
    """A stored file and its media type."""

    path: Path
    media: str


class EvidenceStore:
    """Evidence files under one directory, named by the SHA-256 of their bytes."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha: str) -> Path:
        """Where the file with this hash lives (whether it exists or not)."""
        return self.root / sha[:2] / sha

    def put(self, data: bytes, sha: str, media: str) -> bool:
        """Write atomically; False when that hash is already held."""
        final = self.path(sha)
        if final.exists():
            return False
        final.parent.mkdir(parents=True, exist_ok=True)
        # The media type first: a file that exists is then always complete and typed.
        atomic_write(final.with_suffix(".media"), media.encode())
        atomic_write(final, data)
        logger.info("evidence %s stored (%d bytes, %s)", sha, len(data), media)
        return True

    def get(self, sha: str) -> StoredEvidence | None:
        """The stored file and its media type, or None."""
        path = self.path(sha)
        if not path.is_file():
            return None
        media_file = path.with_suffix(".media")
        media = media_file.read_text("utf-8") if media_file.exists() else DEFAULT_MEDIA
        return StoredEvidence(path, media)
