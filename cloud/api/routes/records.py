"""`GET /api/v1/records`: stored envelopes, newest first."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool

from agrisafe.timeutil import to_ms
from cloud.api.auth import Principal, require_reader
from cloud.api.deps import EngineDep, RegistryDep
from cloud.api.schemas.query import RecordQuery
from cloud.api.schemas.records import RecordPage
from cloud.api.scope import sites_in_scope
from cloud.store.records import RecordFilter, query_records

router = APIRouter(tags=["records"])


@router.get("/api/v1/records", summary="List stored records")
async def list_records(
    engine: EngineDep,
    registry: RegistryDep,
    principal: Annotated[Principal, Depends(require_reader)],
    q: Annotated[RecordQuery, Query()],
) -> RecordPage:
    """`{"total": N, "items": [...]}` filtered by site, kind, subject and event-time range."""
    f = RecordFilter(
        site=q.site,
        kind=q.kind.value if q.kind else None,
        device=q.device,
        plot=q.plot,
        herd=q.herd,
        lot=q.lot,
        from_ms=to_ms(q.from_) if q.from_ else None,
        to_ms=to_ms(q.to) if q.to else None,
        sites=sites_in_scope(registry, principal),
    )
    total, items = await run_in_threadpool(query_records, engine, f, q.limit, q.offset)
    return RecordPage(total=total, items=items)
