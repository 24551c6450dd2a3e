"""Webhooks: register a URL (optionally filtered by regions and rules); deliveries are signed
with HMAC-SHA256 over timestamp, delivery id and body (`X-Agrisafe-Timestamp`,
`X-Agrisafe-Delivery`, `X-Agrisafe-Signature: sha256=…`; see `cloud/webhooks/sign.py`) and
retried with backoff. Targets on loopback, private or link-local addresses are refused."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from starlette.concurrency import run_in_threadpool

from cloud.api.auth import Principal, require_admin
from cloud.api.deps import EngineDep, SettingsDep
from cloud.api.schemas.query import PageQuery
from cloud.api.schemas.webhooks import (
    DeliveryPage,
    DeliveryPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookDeactivated,
    WebhookPage,
    WebhookPublic,
)
from cloud.webhooks import admin

router = APIRouter(tags=["webhooks"])
Admin = Annotated[Principal, Depends(require_admin)]


@router.post("/api/v1/webhooks", status_code=201, summary="Register a webhook")
async def create_webhook(
    body: WebhookCreate, engine: EngineDep, settings: SettingsDep, principal: Admin
) -> WebhookCreated:
    """The secret is returned once: receivers verify signatures with it. 422 for a target on
    a loopback, private or link-local address (unless AGRISAFE_WEBHOOK_ALLOW_PRIVATE)."""
    rules = [r.value for r in body.rules] if body.rules is not None else None
    row = await run_in_threadpool(
        lambda: admin.register(
            engine,
            principal,
            str(body.url),
            body.secret,
            regions=body.regions,
            rules=rules,
            allow_private=settings.webhook_allow_private,
        )
    )
    return WebhookCreated.model_validate(row)


@router.get("/api/v1/webhooks", summary="Registered webhooks (without secrets)")
async def list_webhooks(
    engine: EngineDep, _p: Admin, q: Annotated[PageQuery, Query()]
) -> WebhookPage:
    """Webhooks, oldest first, one page."""
    total, items = await run_in_threadpool(admin.listing, engine, q.limit, q.offset)
    return WebhookPage(total=total, items=[WebhookPublic.model_validate(i) for i in items])


@router.get("/api/v1/webhooks/{hook_id}/deliveries", summary="Recent deliveries of a webhook")
async def list_deliveries(
    hook_id: str, engine: EngineDep, _p: Admin, q: Annotated[PageQuery, Query()]
) -> DeliveryPage:
    """Status, attempts, last error per delivery, newest first, one page."""
    total, items = await run_in_threadpool(admin.deliveries, engine, hook_id, q.limit, q.offset)
    return DeliveryPage(total=total, items=[DeliveryPublic.model_validate(i) for i in items])


@router.delete("/api/v1/webhooks/{hook_id}", summary="Deactivate a webhook")
async def delete_webhook(hook_id: str, engine: EngineDep, principal: Admin) -> WebhookDeactivated:
    """Pending deliveries to it are dropped as failed."""
    if not await run_in_threadpool(admin.deactivate, engine, principal, hook_id):
        raise HTTPException(404, f"no active webhook {hook_id}")
    return WebhookDeactivated(id=hook_id, active=False)
