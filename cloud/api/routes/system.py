"""Health, registry and quarantine endpoints."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from agrisafe import __version__
from cloud.api.auth import Principal, require_admin, require_reader
from cloud.api.deps import EngineDep, RegistryDep, RuntimeDep
from cloud.registry.model import SiteConfig
from cloud.store import quarantine

router = APIRouter()


@router.get("/api/v1/health", tags=["system"], summary="Liveness and dependencies")
async def health(runtime: RuntimeDep) -> dict[str, Any]:
    """`status` ok when the database answers; MQTT worker connection states included."""

    def db_ok() -> bool:
        try:
            with runtime.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    ok = await run_in_threadpool(db_ok)
    workers = [
        {
            "client_id": w.session.client_id,
            "connected": w.session.connected.is_set(),
            "backlog": w.backlog(),
        }
        for w in runtime.workers
    ]
    stats = runtime.ingest.stats
    return {
        "status": "ok" if ok else "degraded",
        "version": __version__,
        "database": "ok" if ok else "unreachable",
        "mqtt": runtime.broker_addr.url(),
        "workers": workers,
        "ingest": {
            "received": stats.received,
            "stored": stats.stored,
            "duplicates": stats.duplicates,
            "quarantined": stats.quarantined,
            "alerts": stats.alerts,
        },
    }


@router.get("/api/v1/sites", tags=["registry"], summary="Registered sites")
async def list_sites(
    registry: RegistryDep, principal: Annotated[Principal, Depends(require_reader)]
) -> dict[str, Any]:
    """The sites in the caller's scope, with plots, herds and devices."""
    sites = await run_in_threadpool(registry.list_sites)
    sites = [s for s in sites if principal.sees(s["id"], s["region"])]
    return {"total": len(sites), "items": sites}


@router.put("/api/v1/sites/{site_id}", tags=["registry"], summary="Create or replace a site")
async def put_site(
    site_id: str,
    site: SiteConfig,
    registry: RegistryDep,
    _p: Annotated[Principal, Depends(require_admin)],
) -> dict[str, Any]:
    """Register a site (admin)."""
    if site.id != site_id:
        raise HTTPException(422, f"site id in body ({site.id}) differs from the URL ({site_id})")
    await run_in_threadpool(registry.put_site, site)
    return {"id": site_id, "status": "stored"}


@router.get("/api/v1/quarantine", tags=["system"], summary="Rejected messages")
async def list_quarantine(
    engine: EngineDep,
    _p: Annotated[Principal, Depends(require_admin)],
    reason: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """`{"total": N, "items": [...], "counts": {reason: n}}`, newest first (admin)."""
    total, items = await run_in_threadpool(quarantine.query, engine, reason, limit, offset)
    counts = await run_in_threadpool(quarantine.counts, engine)
    return {"total": total, "items": items, "counts": counts}
