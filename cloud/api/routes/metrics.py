"""`GET /metrics`: Prometheus exposition (all ingest processes when `serve` runs several)."""

from fastapi import APIRouter, Depends, Response
from starlette.concurrency import run_in_threadpool

from cloud.api.deps import RuntimeDep
from cloud.api.observers import require_observer
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
    dependencies=[Depends(require_observer)],
)
async def metrics(runtime: RuntimeDep) -> Response:
    """Counters, histograms and live gauges; the metrics token or an admin token."""
    ts = runtime.timeseries
    state = StateCollector(
        (lambda: outbox.depth(runtime.engine)) if ts.stage else None,
        lambda: sum(w.backlog() for w in runtime.workers),
    )
    body = await run_in_threadpool(exposition, runtime.metrics, state)
    return Response(body, media_type=CONTENT_TYPE)
