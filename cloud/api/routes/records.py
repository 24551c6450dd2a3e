"""`GET /api/v1/records`: stored envelopes, newest first."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool

from agrisafe.protocol import Kind
from agrisafe.timeutil import to_ms
from cloud.api.auth import Principal, require_reader
from cloud.api.deps import EngineDep, RegistryDep
from cloud.api.scope import sites_in_scope
from cloud.store.records import RecordFilter, query_records

router = APIRouter(tags=["records"])


@router.get("/api/v1/records", summary="List stored records")
async def list_records(
    engine: EngineDep,
    registry: RegistryDep,
    principal: Annotated[Principal, Depends(require_reader)],
    site: str | None = None,
    kind: Kind | None = None,
    device: str | None = None,
    plot: str | None = None,
    herd: str | None = None,
    lot: str | None = None,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """`{"total": N, "items": [...]}` filtered by site, kind, subject and event-time range."""
    f = RecordFilter(
        site=site,
        kind=kind.value if kind else None,
        device=device,
        plot=plot,
        herd=herd,
        lot=lot,
        from_ms=to_ms(from_) if from_ else None,
        to_ms=to_ms(to) if to else None,
        sites=sites_in_scope(registry, principal),
    )
    total, items = await run_in_threadpool(query_records, engine, f, limit, offset)
    return {"total": total, "items": items}
