"""Bearer-token authentication and the caller's scope.

The bootstrap admin token comes from `AGRISAFE_ADMIN_TOKEN`; it may only mint, list and revoke
tokens (`/api/v1/tokens…`), never read or change data, and an admin can switch it off for good
(`DELETE /api/v1/tokens/bootstrap`). Other tokens are created for a role and a scope, expire
(`expires_ms`), and only their SHA-256 is stored. Regulators see their region codes, producers
their own sites, devices post for their site. Tokens travel in `Authorization: Bearer …`; only
the live stream also accepts `?token=` (EventSource cannot set headers).
"""

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from fastapi import HTTPException, Request, status
from sqlalchemy import Engine

from agrisafe.timeutil import Clock
from cloud.registry.service import RegistryService
from cloud.store import api_flags, tokens

BOOTSTRAP_ID = "bootstrap"
BOOTSTRAP_ONLY_MINTS = (
    "the bootstrap admin token only mints tokens: create an admin token with "
    "POST /api/v1/tokens and use that"
)


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
    token_id: str = BOOTSTRAP_ID
    bootstrap: bool = False

    def sees(self, site: str, region: str | None) -> bool:
        """True when a site (in a region) is inside the caller's scope."""
        if self.regions is not None and region not in self.regions:
            return False
        return self.sites is None or site in self.sites


def bearer_token(request: Request, *, allow_query: bool = False) -> str | None:
    """The token from `Authorization: Bearer …`; `?token=` only where `allow_query` (SSE)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.query_params.get("token") if allow_query else None


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
            if self._bootstrap_disabled():
                return None
            return Principal(name="bootstrap", role=Role.ADMIN, bootstrap=True)
        if self._engine is None:
            return None
        with self._engine.connect() as conn:
            row = tokens.lookup(conn, token, Clock().now_ms())
        if row is None:
            return None
        sites = frozenset(row["sites"]) if row["sites"] is not None else None
        if row["producer"] and self._registry is not None:
            own = frozenset(
                s["id"] for s in self._registry.list_sites() if s["producer"] == row["producer"]
            )
            sites = own if sites is None else sites | own
        regions = frozenset(row["regions"]) if row["regions"] is not None else None
        return Principal(
            row["name"], Role(row["role"]), regions, sites, row["device"], token_id=row["id"]
        )

    def live_token_id(self, token: str | None) -> str | None:
        """The id of a table token that still works (unexpired, unrevoked), else None: one
        indexed look-up, without building the principal (live streams re-check with it)."""
        if not token or self._engine is None:
            return None
        with self._engine.connect() as conn:
            row = tokens.lookup(conn, token, Clock().now_ms())
        return None if row is None else str(row["id"])

    def _bootstrap_disabled(self) -> bool:
        if self._engine is None:
            return False
        with self._engine.connect() as conn:
            return api_flags.get(conn, api_flags.BOOTSTRAP_DISABLED) is not None


def authenticated(request: Request, *, allow_query: bool = False) -> Principal:
    """The caller (the bootstrap token included), else 401."""
    auth: Authenticator = request.app.state.authenticator
    principal = auth.authenticate(bearer_token(request, allow_query=allow_query))
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing, invalid, expired or revoked bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


def _require(request: Request, *, allow_query: bool = False) -> Principal:
    principal = authenticated(request, allow_query=allow_query)
    if principal.bootstrap:
        raise HTTPException(status.HTTP_403_FORBIDDEN, BOOTSTRAP_ONLY_MINTS)
    return principal


def require(request: Request) -> Principal:
    """FastAPI dependency: an authenticated principal (not the bootstrap token), else 401/403."""
    return _require(request)


def require_minter(request: Request) -> Principal:
    """FastAPI dependency: an admin or the bootstrap token (the token routes only)."""
    principal = authenticated(request)
    if principal.role is not Role.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admin only")
    return principal


def require_admin(request: Request) -> Principal:
    """FastAPI dependency: only admins."""
    principal = require(request)
    if principal.role is not Role.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admin only")
    return principal


def require_role(*roles: Role, allow_query: bool = False) -> Callable[[Request], Principal]:
    """FastAPI dependency factory: one of these roles (admins always pass), else 403."""

    def dependency(request: Request) -> Principal:
        principal = _require(request, allow_query=allow_query)
        if principal.role is not Role.ADMIN and principal.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"needs role: admin, {allowed}")
        return principal

    return dependency


# Everyone but devices may read (within their scope).
READERS = (Role.REGULATOR, Role.PRODUCER, Role.INSPECTOR, Role.EXPERT)
require_reader = require_role(*READERS)
# The live stream alone also takes `?token=`: browsers' EventSource cannot send headers.
require_stream_reader = require_role(*READERS, allow_query=True)
