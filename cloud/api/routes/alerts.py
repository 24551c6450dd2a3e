"""`GET /api/v1/alerts` (list) and `GET /api/v1/alerts/stream` (Server-Sent Events)."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from agrisafe.protocol import AlertStatus, Rule
from cloud.alerts.hub import Subscriber
from cloud.api.auth import Principal, require_reader
from cloud.api.deps import EngineDep, HubDep
from cloud.store import alerts as alert_store

router = APIRouter(tags=["alerts"])


@router.get("/api/v1/alerts", summary="List alerts")
async def list_alerts(
    engine: EngineDep,
    principal: Annotated[Principal, Depends(require_reader)],
    site: str | None = None,
    rule: Rule | None = None,
    status: AlertStatus | None = None,
    subject: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """`{"total": N, "items": [...]}` newest first, within the caller's scope."""
    total, items = await run_in_threadpool(
        lambda: alert_store.query(
            engine,
            site=site,
            rule=rule.value if rule else None,
            status=status.value if status else None,
            subject=subject,
            regions=principal.regions,
            sites=principal.sites,
            limit=limit,
            offset=offset,
        )
    )
    return {"total": total, "items": [a.model_dump(mode="json", exclude_none=True) for a in items]}


@router.get("/api/v1/alerts/stream", summary="Live alerts (SSE, event: alert)")
async def stream_alerts(
    request: Request, hub: HubDep, principal: Annotated[Principal, Depends(require_reader)]
) -> EventSourceResponse:
    """Each new alert in the caller's scope as `event: alert`, data = the alert JSON."""
    sub = hub.subscribe(Subscriber(regions=principal.regions, sites=principal.sites))

    async def events() -> AsyncIterator[dict[str, str]]:
        try:
            yield {"event": "ready", "data": "{}"}
            while True:
                try:
                    alert = await asyncio.wait_for(sub.queue.get(), timeout=1.0)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    continue
                if alert is None:  # shutting down
                    return
                yield {"event": "alert", "id": alert.id, "data": alert.to_json().decode()}
        finally:
            hub.unsubscribe(sub)

    return EventSourceResponse(events(), ping=15)
