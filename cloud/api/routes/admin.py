"""Admin endpoints: API tokens (role + scope), the audit trail."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from starlette.concurrency import run_in_threadpool

from cloud.admin import tokens
from cloud.api.auth import Principal, require_admin
from cloud.api.deps import EngineDep
from cloud.api.schemas.admin import (
    AuditEntryPublic,
    AuditPage,
    TokenCreate,
    TokenCreated,
    TokenPage,
    TokenPublic,
    TokenRevoked,
)
from cloud.store import audit

router = APIRouter(tags=["admin"])
Admin = Annotated[Principal, Depends(require_admin)]


@router.post("/api/v1/tokens", status_code=201, summary="Create an API token (shown once)")
async def create_token(body: TokenCreate, engine: EngineDep, principal: Admin) -> TokenCreated:
    """Only the token's SHA-256 is stored: copy the token from this response."""
    scope = body.model_dump() | {"role": body.role.value}
    detail = body.model_dump(mode="json")
    token_id, token = await run_in_threadpool(tokens.create, engine, principal, scope, detail)
    return TokenCreated(id=token_id, token=token, **body.model_dump())


@router.get("/api/v1/tokens", summary="API tokens (without secrets)")
async def list_tokens(engine: EngineDep, _p: Admin) -> TokenPage:
    """Every token with role, scope and revocation time."""
    items = await run_in_threadpool(tokens.listing, engine)
    return TokenPage(total=len(items), items=[TokenPublic.model_validate(i) for i in items])


@router.delete("/api/v1/tokens/{token_id}", summary="Revoke a token")
async def revoke_token(token_id: str, engine: EngineDep, principal: Admin) -> TokenRevoked:
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
