"""`GET /api/v1/alerts` (list) and `GET /api/v1/alerts/stream` (Server-Sent Events)."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sse_starlette.sse import EventSourceResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from cloud.alerts.hub import Subscriber
from cloud.api.auth import Principal, require_reader, require_stream_reader
from cloud.api.deps import EngineDep, HubDep, SettingsDep
from cloud.api.schemas.alerts import AlertPage
from cloud.api.schemas.query import AlertQuery
from cloud.api.token_watch import TokenWatch
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
    responses={
        200: {"content": {"text/event-stream": {}}},
        429: {"description": "this token already has AGRISAFE_SSE_STREAMS_PER_TOKEN streams open"},
    },
)
async def stream_alerts(
    request: Request,
    hub: HubDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(require_stream_reader)],
) -> EventSourceResponse:
    """Each new alert in the caller's scope as `event: alert`, data = the alert JSON.

    The one route that also takes `?token=` (browsers' EventSource cannot send headers)."""
    limit = settings.sse_streams_per_token
    if not hub.open_stream(principal.token_id, limit):
        raise HTTPException(429, f"at most {limit} live streams per token")
    released = False

    def release() -> None:
        # From the stream's end or the response's background task, whichever runs: once.
        nonlocal released
        if not released:
            released = True
            hub.close_stream(principal.token_id)

    sub = hub.subscribe(Subscriber(regions=principal.regions, sites=principal.sites))
    watch = TokenWatch(request, principal, settings.sse_token_recheck_s)

    async def events() -> AsyncIterator[dict[str, str]]:
        try:
            yield {"event": "ready", "data": "{}"}
            while True:
                try:
                    alert = await asyncio.wait_for(sub.queue.get(), timeout=1.0)
                except TimeoutError:
                    if await request.is_disconnected() or not await watch.valid():
                        return
                    continue
                if alert is None:  # shutting down
                    return
                if not await watch.valid(now=True):  # a revoked token sees no further alert
                    return
                yield {"event": "alert", "id": alert.id, "data": alert.to_json().decode()}
        finally:
            hub.unsubscribe(sub)
            release()

    return EventSourceResponse(events(), ping=15, background=BackgroundTask(release))
