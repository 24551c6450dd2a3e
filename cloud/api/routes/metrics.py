"""`GET /metrics`: Prometheus exposition (all ingest processes when `serve` runs several)."""

import hmac

from fastapi import APIRouter, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from cloud.api.auth import bearer_token
from cloud.api.deps import RuntimeDep
from cloud.metrics import StateCollector, exposition
from cloud.timeseries import outbox

router = APIRouter()
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@router.get(
    "/metrics",
    tags=["system"],
    summary="Prometheus metrics",
    include_in_schema=False,
    response_class=Response,
)
async def metrics(request: Request, runtime: RuntimeDep) -> Response:
    """Counters, histograms and live gauges; a bearer token when `AGRISAFE_METRICS_TOKEN` is set."""
    required = runtime.settings.metrics_token
    if required is not None:
        given = bearer_token(request) or ""
        if not hmac.compare_digest(given.encode(), required.get_secret_value().encode()):
            raise HTTPException(401, "metrics need the metrics bearer token")
    ts = runtime.timeseries
    state = StateCollector(
        (lambda: outbox.depth(runtime.engine)) if ts.stage else None,
        lambda: sum(w.backlog() for w in runtime.workers),
    )
    body = await run_in_threadpool(exposition, runtime.metrics, state)
    return Response(body, media_type=CONTENT_TYPE)
