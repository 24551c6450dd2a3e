"""Webhooks: register a URL (optionally filtered by regions and rules); deliveries are signed
with HMAC-SHA256 (`X-Agrisafe-Signature: sha256=…`) and retried with backoff."""

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field, HttpUrl
from starlette.concurrency import run_in_threadpool

from agrisafe.ids import new_id
from agrisafe.protocol import Rule
from agrisafe.timeutil import Clock
from cloud.api.auth import Principal, require_admin
from cloud.api.deps import EngineDep
from cloud.store import audit
from cloud.store import webhooks as store

router = APIRouter(tags=["webhooks"])


class WebhookCreate(BaseModel):
    """Where to POST alerts, and which."""

    model_config = ConfigDict(extra="forbid")
    url: HttpUrl = Field(description="receiver URL (http or https)")
    secret: str | None = Field(
        default=None, min_length=16, max_length=128, description="HMAC key; generated if absent"
    )
    regions: list[str] | None = Field(default=None, description="only alerts of these regions")
    rules: list[Rule] | None = Field(default=None, description="only these rules")


@router.post("/api/v1/webhooks", status_code=201, summary="Register a webhook")
async def create_webhook(
    body: WebhookCreate, engine: EngineDep, principal: Annotated[Principal, Depends(require_admin)]
) -> dict[str, Any]:
    """The secret is returned once: receivers verify signatures with it."""
    now = Clock().now_ms()
    hook_id = new_id(now)
    secret = body.secret or secrets.token_urlsafe(32)
    row = {
        "id": hook_id,
        "url": str(body.url),
        "secret": secret,
        "regions": body.regions,
        "rules": [r.value for r in body.rules] if body.rules is not None else None,
        "active": 1,
        "created_by": principal.name,
        "created_ms": now,
    }

    def create() -> None:
        with engine.begin() as conn:
            store.create(conn, row)
            audit.record(
                conn,
                actor=principal.name,
                role=principal.role.value,
                action="webhook.create",
                target=f"webhook:{hook_id}",
                detail={k: v for k, v in row.items() if k != "secret"},
                now_ms=now,
            )

    await run_in_threadpool(create)
    return {k: v for k, v in row.items() if k != "created_ms"}


@router.get("/api/v1/webhooks", summary="Registered webhooks (without secrets)")
async def list_webhooks(
    engine: EngineDep, _p: Annotated[Principal, Depends(require_admin)]
) -> dict[str, Any]:
    """Every webhook."""

    def load() -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return store.listing(conn)

    items = await run_in_threadpool(load)
    return {"total": len(items), "items": items}


@router.get("/api/v1/webhooks/{hook_id}/deliveries", summary="Recent deliveries of a webhook")
async def list_deliveries(
    hook_id: str, engine: EngineDep, _p: Annotated[Principal, Depends(require_admin)]
) -> dict[str, Any]:
    """Status, attempts, last error per delivery, newest first."""

    def load() -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return store.deliveries(conn, hook_id)

    items = await run_in_threadpool(load)
    return {"total": len(items), "items": items}


@router.delete("/api/v1/webhooks/{hook_id}", summary="Deactivate a webhook")
async def delete_webhook(
    hook_id: str, engine: EngineDep, principal: Annotated[Principal, Depends(require_admin)]
) -> dict[str, Any]:
    """Pending deliveries to it are dropped as failed."""
    now = Clock().now_ms()

    def deactivate() -> bool:
        with engine.begin() as conn:
            done = store.deactivate(conn, hook_id)
            if done:
                audit.record(
                    conn,
                    actor=principal.name,
                    role=principal.role.value,
                    action="webhook.delete",
                    target=f"webhook:{hook_id}",
                    detail={},
                    now_ms=now,
                )
            return done

    if not await run_in_threadpool(deactivate):
        raise HTTPException(404, f"no active webhook {hook_id}")
    return {"id": hook_id, "active": False}
