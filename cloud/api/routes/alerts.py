"""`GET /api/v1/alerts` (list) and `GET /api/v1/alerts/stream` (Server-Sent Events)."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from cloud.alerts.hub import Subscriber
from cloud.api.auth import Principal, require_reader
from cloud.api.deps import EngineDep, HubDep
from cloud.api.schemas.alerts import AlertPage
from cloud.api.schemas.query import AlertQuery
from cloud.store import alerts as alert_store

router = APIRouter(tags=["alerts"])


@router.get("/api/v1/alerts", summary="List alerts", response_model_exclude_none=True)
async def list_alerts(
    engine: EngineDep,
    principal: Annotated[Principal, Depends(require_reader)],
    q: Annotated[AlertQuery, Query()],
) -> AlertPage:
    """`{"total": N, "items": [...]}` newest first, within the caller's scope."""
    total, items = await run_in_threadpool(
        lambda: alert_store.query(
            engine,
            alert_store.AlertFilter(
                site=q.site,
                rule=q.rule.value if q.rule else None,
                status=q.status.value if q.status else None,
                subject=q.subject,
                regions=principal.regions,
                sites=principal.sites,
            ),
            limit=q.limit,
            offset=q.offset,
        )
    )
    return AlertPage(total=total, items=items)


@router.get(
    "/api/v1/alerts/stream",
    summary="Live alerts (SSE, event: alert)",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
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
