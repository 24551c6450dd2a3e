"""Admin endpoints: API tokens (role + scope), the audit trail."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool

from agrisafe.protocol.bodies import Ident
from agrisafe.timeutil import Clock
from cloud.api.auth import Principal, Role, require_admin
from cloud.api.deps import EngineDep
from cloud.store import audit, tokens

router = APIRouter(tags=["admin"])


class TokenCreate(BaseModel):
    """A token for a role and its scope."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=128, description="who holds it (shown in audits)")
    role: Role = Field(description="regulator, producer, inspector, expert, device or admin")
    regions: list[str] | None = Field(default=None, description="6-digit region codes")
    sites: list[Ident] | None = Field(default=None, description="site ids")
    producer: str | None = Field(default=None, description="producer tokens: see its sites")
    device: Ident | None = Field(default=None, description="device tokens: the device id")

    @model_validator(mode="after")
    def _scoped(self) -> "TokenCreate":
        if self.regions is not None and any(len(r) != 6 or not r.isdigit() for r in self.regions):
            raise ValueError("regions are 6-digit 行政区划 codes")
        needs = {
            Role.REGULATOR: self.regions,
            Role.PRODUCER: self.producer or self.sites,
            Role.DEVICE: self.device and self.sites,
            Role.INSPECTOR: self.regions or self.sites,
            Role.EXPERT: self.regions or self.sites,
        }
        if self.role in needs and not needs[self.role]:
            raise ValueError(
                f"a {self.role.value} token needs a scope "
                "(regulator: regions; producer: producer or sites; device: sites and device; "
                "inspector/expert: regions or sites)"
            )
        return self


@router.post("/api/v1/tokens", status_code=201, summary="Create an API token (shown once)")
async def create_token(
    body: TokenCreate, engine: EngineDep, principal: Annotated[Principal, Depends(require_admin)]
) -> dict[str, Any]:
    """Only the token's SHA-256 is stored: copy the token from this response."""
    now = Clock().now_ms()

    def create() -> tuple[str, str]:
        with engine.begin() as conn:
            row = body.model_dump() | {"role": body.role.value, "created_by": principal.name}
            token_id, token = tokens.create(conn, row, now)
            audit.record(
                conn,
                actor=principal.name,
                role=principal.role.value,
                action="token.create",
                target=f"token:{token_id}",
                detail=body.model_dump(mode="json"),
                now_ms=now,
            )
            return token_id, token

    token_id, token = await run_in_threadpool(create)
    return {"id": token_id, "token": token} | body.model_dump(mode="json")


@router.get("/api/v1/tokens", summary="API tokens (without secrets)")
async def list_tokens(
    engine: EngineDep, _p: Annotated[Principal, Depends(require_admin)]
) -> dict[str, Any]:
    """Every token with role, scope and revocation time."""

    def load() -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return tokens.listing(conn)

    items = await run_in_threadpool(load)
    return {"total": len(items), "items": items}


@router.delete("/api/v1/tokens/{token_id}", summary="Revoke a token")
async def revoke_token(
    token_id: str, engine: EngineDep, principal: Annotated[Principal, Depends(require_admin)]
) -> dict[str, Any]:
    """Revoked tokens stop working at once."""
    now = Clock().now_ms()

    def revoke() -> bool:
        with engine.begin() as conn:
            done = tokens.revoke(conn, token_id, now)
            if done:
                audit.record(
                    conn,
                    actor=principal.name,
                    role=principal.role.value,
                    action="token.revoke",
                    target=f"token:{token_id}",
                    detail={},
                    now_ms=now,
                )
            return done

    if not await run_in_threadpool(revoke):
        raise HTTPException(404, f"no active token {token_id}")
    return {"id": token_id, "revoked": True}


@router.get("/api/v1/audit", summary="The audit trail, newest first")
async def list_audit(
    engine: EngineDep,
    _p: Annotated[Principal, Depends(require_admin)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Every lifecycle change, token, label entry and blacklist decision."""
    total, items = await run_in_threadpool(audit.query, engine, limit, offset)
    return {"total": total, "items": items}
