"""Evidence ownership: each file is held for a site (and the device and token that sent it),
counted against that site's quota, and fetched only by callers who see one of its sites."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from agrisafe.timeutil import Clock
from cloud.store import evidence_items

logger = logging.getLogger(__name__)


class QuotaExceeded(Exception):
    """The site would hold more evidence than its quota (HTTP 507)."""


@dataclass(frozen=True, slots=True)
class Upload:
    """One verified upload and who sent it."""

    sha256: str
    site: str
    device: str | None
    token_id: str
    size: int
    media: str


def held(engine: Engine, sha: str, site: str) -> dict[str, Any] | None:
    """The site's copy of a file (bytes, media …), or None when it does not hold it."""
    with engine.connect() as conn:
        return evidence_items.held(conn, sha, site)


def quota_left(engine: Engine, site: str, quota: int) -> int:
    """Bytes the site may still upload."""
    with engine.connect() as conn:
        return quota - evidence_items.held_bytes(conn, site)


def record(engine: Engine, upload: Upload, quota: int) -> bool:
    """Record the site's copy; False when the site already held it. Raises QuotaExceeded."""
    with engine.begin() as conn:
        if evidence_items.holds(conn, upload.sha256, upload.site):
            return False
        used = evidence_items.held_bytes(conn, upload.site)
        if used + upload.size > quota:
            raise QuotaExceeded(
                f"site {upload.site} holds {used} evidence bytes; this upload of {upload.size} "
                f"would pass its quota of {quota} bytes"
            )
        evidence_items.add(
            conn,
            {
                "sha256": upload.sha256,
                "site": upload.site,
                "device": upload.device,
                "token_id": upload.token_id,
                "bytes": upload.size,
                "media": upload.media,
                "created_ms": Clock().now_ms(),
            },
        )
    return True


def visible(engine: Engine, sha: str, sees: Callable[[str], bool]) -> bool:
    """True when one of the sites holding the file is in the caller's scope."""
    with engine.connect() as conn:
        sites = evidence_items.sites_of(conn, sha)
    return any(sees(site) for site in sites)


def orphaned(engine: Engine, sha: str) -> bool:
    """True when no site holds the file (it may be deleted)."""
    with engine.connect() as conn:
        return not evidence_items.sites_of(conn, sha)
