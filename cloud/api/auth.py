"""Bearer-token authentication and the caller's scope.

The bootstrap admin token comes from `AGRISAFE_ADMIN_TOKEN`; other tokens are created by an
admin (`POST /api/v1/tokens`) for a role and a scope, and only their SHA-256 is stored.
Regulators see their region codes, producers their own sites, devices post for their site.
"""

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from fastapi import HTTPException, Request, status
from sqlalchemy import Engine

from cloud.registry.service import RegistryService
from cloud.store import tokens


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
    device: str | None = None

    def sees(self, site: str, region: str | None) -> bool:
        """True when a site (in a region) is inside the caller's scope."""
        if self.regions is not None and region not in self.regions:
            return False
        return self.sites is None or site in self.sites


def bearer_token(request: Request) -> str | None:
    """The token from `Authorization: Bearer …`, or `?token=` (EventSource cannot set headers)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.query_params.get("token")


class Authenticator:
    """Maps tokens to principals: the bootstrap admin, then the token table."""

    def __init__(
        self,
        admin_token: str,
        engine: Engine | None = None,
        registry: RegistryService | None = None,
    ) -> None:
        self._admin_token = admin_token
        self._engine = engine
        self._registry = registry

    def authenticate(self, token: str | None) -> Principal | None:
        """The principal for a token, or None."""
        if not token:
            return None
        if hmac.compare_digest(token.encode(), self._admin_token.encode()):
            return Principal(name="admin", role=Role.ADMIN)
        if self._engine is None:
            return None
        with self._engine.connect() as conn:
            row = tokens.lookup(conn, token)
        if row is None:
            return None
        sites = frozenset(row["sites"]) if row["sites"] is not None else None
        if row["producer"] and self._registry is not None:
            own = frozenset(
                s["id"] for s in self._registry.list_sites() if s["producer"] == row["producer"]
            )
            sites = own if sites is None else sites | own
        regions = frozenset(row["regions"]) if row["regions"] is not None else None
        return Principal(row["name"], Role(row["role"]), regions, sites, row["device"])


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


def require_role(*roles: Role) -> Callable[[Request], Principal]:
    """FastAPI dependency factory: one of these roles (admins always pass), else 403."""

    def dependency(request: Request) -> Principal:
        principal = require(request)
        if principal.role is not Role.ADMIN and principal.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"needs role: admin, {allowed}")
        return principal

    return dependency


# Everyone but devices may read (within their scope).
READERS = (Role.REGULATOR, Role.PRODUCER, Role.INSPECTOR, Role.EXPERT)
require_reader = require_role(*READERS)
