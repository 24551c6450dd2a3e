"""Admin endpoints: API tokens (role + scope, expiry, rotation), the audit trail.

The bootstrap admin token (`AGRISAFE_ADMIN_TOKEN`) may use the token routes only: it mints the
first admin token, and that admin may switch it off (`DELETE /api/v1/tokens/bootstrap`).
"""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from starlette.concurrency import run_in_threadpool

from cloud.admin import tokens
from cloud.api.auth import Principal, require_admin, require_minter
from cloud.api.deps import EngineDep, SettingsDep
from cloud.api.schemas.admin import (
    AuditEntryPublic,
    AuditPage,
    BootstrapDisabled,
    TokenCreate,
    TokenCreated,
    TokenPage,
    TokenPublic,
    TokenRevoked,
)
from cloud.api.schemas.query import PageQuery
from cloud.store import audit

router = APIRouter(tags=["admin"])
Admin = Annotated[Principal, Depends(require_admin)]
Minter = Annotated[Principal, Depends(require_minter)]


@router.post("/api/v1/tokens", status_code=201, summary="Create an API token (shown once)")
async def create_token(
    body: TokenCreate, engine: EngineDep, settings: SettingsDep, principal: Minter
) -> TokenCreated:
    """Only the token's SHA-256 is stored: copy the token from this response."""
    scope = body.model_dump(exclude={"expires_in_days"}) | {"role": body.role.value}
    detail = body.model_dump(mode="json")
    ttl = body.expires_in_days or settings.token_ttl_days
    token_id, token, expires = await run_in_threadpool(
        tokens.create, engine, principal, scope, detail, ttl
    )
    return TokenCreated(
        id=token_id, token=token, expires_ms=expires, **body.model_dump(exclude={"expires_in_days"})
    )


@router.get("/api/v1/tokens", summary="API tokens (without secrets)")
async def list_tokens(engine: EngineDep, _p: Minter, q: Annotated[PageQuery, Query()]) -> TokenPage:
    """Tokens with role, scope, expiry and revocation time, oldest first, one page."""
    total, items = await run_in_threadpool(tokens.listing, engine, q.limit, q.offset)
    return TokenPage(total=total, items=[TokenPublic.model_validate(i) for i in items])


@router.delete("/api/v1/tokens/bootstrap", summary="Switch the bootstrap admin token off")
async def disable_bootstrap(engine: EngineDep, principal: Admin) -> BootstrapDisabled:
    """For good (audited); needs an admin token, so there is always a way back in."""
    await run_in_threadpool(tokens.disable_bootstrap, engine, principal)
    return BootstrapDisabled(disabled=True)


@router.post("/api/v1/tokens/{token_id}/rotate", summary="Replace a token (shown once)")
async def rotate_token(
    token_id: str, engine: EngineDep, settings: SettingsDep, principal: Minter
) -> TokenCreated:
    """A new token with the same name, role and scope; the old one is revoked at once."""
    row, token = await run_in_threadpool(
        tokens.rotate, engine, principal, token_id, settings.token_ttl_days
    )
    return TokenCreated.model_validate(row | {"token": token})


@router.delete("/api/v1/tokens/{token_id}", summary="Revoke a token")
async def revoke_token(token_id: str, engine: EngineDep, principal: Minter) -> TokenRevoked:
    """Revoked tokens stop working at once."""
    if not await run_in_threadpool(tokens.revoke, engine, principal, token_id):
        raise HTTPException(404, f"no active token {token_id}")
    return TokenRevoked(id=token_id, revoked=True)


@router.get("/api/v1/audit", summary="The audit trail, newest first")
async def list_audit(
    engine: EngineDep,
    _p: Admin,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AuditPage:
    """Every lifecycle change, token, label entry and blacklist decision."""
    total, items = await run_in_threadpool(audit.query, engine, limit, offset)
    return AuditPage(total=total, items=[AuditEntryPublic.model_validate(i) for i in items])
