"""Health, registry and quarantine endpoints."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from starlette.concurrency import run_in_threadpool

from agrisafe import __version__
from cloud.admin import devices
from cloud.api.auth import Principal, require_admin, require_reader
from cloud.api.deps import EngineDep, RegistryDep, RuntimeDep
from cloud.api.observers import require_observer
from cloud.api.schemas.query import PageQuery
from cloud.api.schemas.system import (
    DeviceRemoved,
    Health,
    HealthStatus,
    IngestCounts,
    IngestProcessState,
    QuarantinedMessage,
    QuarantinePage,
    SitePage,
    SiteStored,
    WorkerState,
)
from cloud.health import database_ok
from cloud.registry.model import SiteConfig
from cloud.store import quarantine

router = APIRouter()


@router.get("/api/v1/health", tags=["system"], summary="Liveness (public: ok or degraded)")
async def health(runtime: RuntimeDep) -> HealthStatus:
    """`status` ok when the database answers and no ingest batch is stuck; nothing else."""
    ok = await run_in_threadpool(database_ok, runtime.engine)
    stuck = any(w.stuck() for w in runtime.workers)  # a batch the store keeps refusing
    return HealthStatus(status="ok" if ok and not stuck else "degraded")


@router.get(
    "/api/v1/health/detail",
    tags=["system"],
    summary="Dependencies, workers and ingest counts (metrics or admin token)",
    dependencies=[Depends(require_observer)],
)
async def health_detail(runtime: RuntimeDep) -> Health:
    """Database, broker URL, MQTT worker connection states and ingest counters."""
    ok = await run_in_threadpool(database_ok, runtime.engine)
    workers = [
        WorkerState(
            client_id=w.session.client_id,
            connected=w.session.connected.is_set(),
            backlog=w.backlog(),
            stale_subscription=w.stale_subscription,
        )
        for w in runtime.workers
    ]
    processes = [
        IngestProcessState.model_validate(p)
        for p in (runtime.supervisor.processes() if runtime.supervisor else [])
    ]
    stats = runtime.ingest.stats
    stuck = any(w.stuck() for w in runtime.workers)  # a batch the store keeps refusing
    return Health(
        status="ok" if ok and not stuck else "degraded",
        version=__version__,
        database="ok" if ok else "unreachable",
        mqtt=runtime.broker_addr.url(),
        workers=workers,
        processes=processes,
        ingest=IngestCounts(
            received=stats.received + sum(p.received for p in processes),
            stored=stats.stored + sum(p.stored for p in processes),
            duplicates=stats.duplicates + sum(p.duplicates for p in processes),
            quarantined=_quarantined(stats.quarantined, processes),
            alerts=stats.alerts + sum(p.alerts for p in processes),
        ),
    )


def _quarantined(own: dict[str, int], processes: list[IngestProcessState]) -> dict[str, int]:
    """Per reason in this process; the worker processes report only a total (`processes`)."""
    total = sum(p.quarantined for p in processes)
    return own | ({"in worker processes": total} if total else {})


@router.get("/api/v1/sites", tags=["registry"], summary="Registered sites")
async def list_sites(
    registry: RegistryDep,
    principal: Annotated[Principal, Depends(require_reader)],
    q: Annotated[PageQuery, Query()],
) -> SitePage:
    """The sites in the caller's scope, with plots, herds and devices, by id, one page."""
    sites = await run_in_threadpool(registry.list_sites)
    sites = [s for s in sites if principal.sees(s["id"], s["region"])]
    return SitePage(total=len(sites), items=sites[q.offset : q.offset + q.limit])


@router.put("/api/v1/sites/{site_id}", tags=["registry"], summary="Create or replace a site")
async def put_site(
    site_id: str,
    site: SiteConfig,
    registry: RegistryDep,
    _p: Annotated[Principal, Depends(require_admin)],
) -> SiteStored:
    """Register a site (admin)."""
    if site.id != site_id:
        raise HTTPException(422, f"site id in body ({site.id}) differs from the URL ({site_id})")
    await run_in_threadpool(registry.put_site, site)
    return SiteStored(id=site_id, status="stored")


@router.delete(
    "/api/v1/sites/{site_id}/devices/{device_id}",
    tags=["registry"],
    summary="Remove a device from a site (it may no longer send)",
)
async def delete_device(
    site_id: str,
    device_id: str,
    engine: EngineDep,
    registry: RegistryDep,
    principal: Annotated[Principal, Depends(require_admin)],
) -> DeviceRemoved:
    """Audited; its next message is quarantined as `unknown_device` (records stay)."""
    await run_in_threadpool(devices.remove, engine, registry, principal, site_id, device_id)
    return DeviceRemoved(site=site_id, device=device_id, removed=True)


@router.get(
    "/api/v1/quarantine",
    tags=["system"],
    summary="Rejected messages",
    response_model_exclude_unset=True,
)
async def list_quarantine(
    engine: EngineDep,
    _p: Annotated[Principal, Depends(require_admin)],
    reason: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> QuarantinePage:
    """`{"total": N, "items": [...], "counts": {reason: n}}`, newest first (admin)."""
    total, items = await run_in_threadpool(quarantine.query, engine, reason, limit, offset)
    counts = await run_in_threadpool(quarantine.counts, engine)
    rows = [QuarantinedMessage.model_validate(i) for i in items]
    return QuarantinePage(total=total, items=rows, counts=counts)
