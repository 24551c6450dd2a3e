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
    """Record in the audit trail that the caller did `action` to `target`, with the id of the
    token it presented (`detail.token_id`; "bootstrap" for the bootstrap admin token)."""
    token_id = getattr(caller, "token_id", None)
    audit.record(
        conn,
        actor=caller.name,
        role=str(caller.role),
        action=action,
        target=target,
        detail=detail | {"token_id": token_id} if token_id is not None else detail,
        now_ms=now_ms,
    )


# Device types a person's token (producer, inspector) may post as over HTTP: their own apps and
# terminals, and auto-registered devices (type "other"). Instruments, cameras, GPS receivers,
# bridges, gateways and edge nodes speak for themselves with their own device token: a farmer
# must not be able to file a negative rapid test in the instrument's name.
PERSON_DEVICE_TYPES = frozenset({"app", "terminal", "other"})
PERSON_ROLES = frozenset({"producer", "inspector"})


def may_post_as(
    role: str, token_device: str | None, device: str, device_type: str | None
) -> str | None:
    """Why a principal may not post as `device` of type `device_type` (None: it may).

    Pure: the caller has already checked the site is in the principal's scope. `device_type`
    None means the device is not registered (ingest then decides `unknown_device`).
    """
    if role == "admin":
        return None
    if token_device is not None or role == "device":
        if device != token_device:
            return f"this token may only send as device {token_device!r}"
        return None
    if role not in PERSON_ROLES:
        return f"a {role} token may not post messages"
    if device_type is not None and device_type not in PERSON_DEVICE_TYPES:
        allowed = ", ".join(sorted(PERSON_DEVICE_TYPES))
        return (
            f"a {role} token may not post as a {device_type} ({device!r}); "
            f"allowed device types: {allowed}; devices post with their own token"
        )
    return None
