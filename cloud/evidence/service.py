"""Evidence ownership: each file is held for a site (and the device and token that sent it),
counted against one of that site's two quotas, and fetched only by callers who see one of its
sites. Devices (cameras) and people (producers, inspectors, admins) have separate quotas, so
nothing a person uploads can make a camera's evidence 507."""

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
class Quotas:
    """A site's evidence budgets in bytes: its devices' and its people's, never shared."""

    devices: int
    people: int

    def of(self, device: str | None) -> int:
        """The budget an upload by `device` (None: a person) counts against."""
        return self.devices if device is not None else self.people


def sender(device: str | None) -> str:
    """`device` or `person`: whose budget an upload uses (log and metric label)."""
    return "device" if device is not None else "person"


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


def quota_left(engine: Engine, site: str, device: str | None, quotas: Quotas) -> int:
    """Bytes the site's devices (or people, for `device` None) may still upload."""
    with engine.connect() as conn:
        used = evidence_items.held_bytes(conn, site, devices=device is not None)
    return quotas.of(device) - used


def record(engine: Engine, upload: Upload, quotas: Quotas) -> bool:
    """Record the site's copy; False when the site already held it. Raises QuotaExceeded."""
    with engine.begin() as conn:
        if evidence_items.holds(conn, upload.sha256, upload.site):
            return False
        by_device = upload.device is not None
        used = evidence_items.held_bytes(conn, upload.site, devices=by_device)
        quota = quotas.of(upload.device)
        if used + upload.size > quota:
            raise QuotaExceeded(
                f"site {upload.site}'s {sender(upload.device)} uploads hold {used} evidence "
                f"bytes; this upload of {upload.size} would pass their quota of {quota} bytes"
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
    """True when no site holds the file. Only under the store's lock of the hash does that
    mean it may be deleted: an upload records its copy under the same lock."""
    with engine.connect() as conn:
        return not evidence_items.sites_of(conn, sha)
