"""Who acts on the cloud's services, and why a service refuses a request.

The HTTP layer maps its principal onto `Caller` and these errors onto status codes, so the
services stay free of HTTP.
"""

import logging
from typing import Any, Protocol

from sqlalchemy import Connection

from cloud.store import audit

logger = logging.getLogger(__name__)


class Caller(Protocol):
    """An authenticated caller as the services see it (name and role go into the audit)."""

    @property
    def name(self) -> str:
        """Who (shown in audits)."""
        ...

    @property
    def role(self) -> str:
        """Their role's value."""
        ...

    def sees(self, site: str, region: str | None) -> bool:
        """True when a site (in a region) is inside the caller's scope."""
        ...


class NotFound(LookupError):
    """The thing does not exist, or not within the caller's scope (HTTP 404)."""


class Conflict(Exception):
    """The thing is not in a state that allows the change (HTTP 409)."""


class Rejected(ValueError):
    """The input contradicts the data it would join (HTTP 422)."""


def audited(
    conn: Connection,
    caller: Caller,
    action: str,
    target: str,
    detail: dict[str, Any],
    now_ms: int,
) -> None:
    """Record in the audit trail that the caller did `action` to `target`."""
    audit.record(
        conn,
        actor=caller.name,
        role=str(caller.role),
        action=action,
        target=target,
        detail=detail,
        now_ms=now_ms,
    )
