"""Bearer-token authentication and the caller's scope.

The bootstrap admin token comes from `AGRISAFE_ADMIN_TOKEN`; role-scoped tokens (regulator,
producer, inspector, expert, device) build on the same `Principal`.
"""

import hmac
from dataclasses import dataclass
from enum import StrEnum

from fastapi import HTTPException, Request, status


class Role(StrEnum):
    """Who the caller is; decides what they may see and do."""

    ADMIN = "admin"
    REGULATOR = "regulator"
    PRODUCER = "producer"
    INSPECTOR = "inspector"
    EXPERT = "expert"
    DEVICE = "device"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. `regions`/`sites` None means unrestricted."""

    name: str
    role: Role
    regions: frozenset[str] | None = None
    sites: frozenset[str] | None = None


def bearer_token(request: Request) -> str | None:
    """The token from `Authorization: Bearer …`, or `?token=` (EventSource cannot set headers)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.query_params.get("token")


class Authenticator:
    """Maps tokens to principals."""

    def __init__(self, admin_token: str) -> None:
        self._admin_token = admin_token

    def authenticate(self, token: str | None) -> Principal | None:
        """The principal for a token, or None."""
        if token and hmac.compare_digest(token.encode(), self._admin_token.encode()):
            return Principal(name="admin", role=Role.ADMIN)
        return None


def require(request: Request) -> Principal:
    """FastAPI dependency: an authenticated principal, else 401."""
    auth: Authenticator = request.app.state.authenticator
    principal = auth.authenticate(bearer_token(request))
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing or invalid bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


def require_admin(request: Request) -> Principal:
    """FastAPI dependency: only admins."""
    principal = require(request)
    if principal.role is not Role.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admin only")
    return principal
