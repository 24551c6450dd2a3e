"""Producer credit: score, level, every change with its alert; the manual blacklist."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool

from cloud.api.auth import Principal, Role, require_reader, require_role
from cloud.api.deps import CreditPolicyDep, EngineDep
from cloud.api.schemas.credit import (
    LIFTED_WITHOUT_REASON,
    BlacklistBody,
    BlacklistState,
    CreditPage,
    CreditStanding,
    CreditSummary,
)
from cloud.api.schemas.query import PageQuery
from cloud.credit import queries

router = APIRouter(tags=["credit"])
Reader = Annotated[Principal, Depends(require_reader)]
Regulator = Annotated[Principal, Depends(require_role(Role.REGULATOR))]


@router.get("/api/v1/credit", summary="Credit of the producers in scope")
async def list_credit(
    engine: EngineDep,
    policy: CreditPolicyDep,
    principal: Reader,
    q: Annotated[PageQuery, Query()],
) -> CreditPage:
    """Score, level and blacklist state per producer (events left out), one page."""
    items = await run_in_threadpool(queries.summaries, engine, policy, principal)
    page = items[q.offset : q.offset + q.limit]
    return CreditPage(total=len(items), items=[CreditSummary.model_validate(i) for i in page])


@router.get("/api/v1/producers/{producer}/credit", summary="One producer's credit record")
async def get_credit(
    producer: str, engine: EngineDep, policy: CreditPolicyDep, principal: Reader
) -> CreditStanding:
    """Score, level, blacklist state and every change with the alert behind it."""
    found = await run_in_threadpool(queries.standing, engine, policy, principal, producer)
    return CreditStanding.model_validate(found)


@router.put("/api/v1/producers/{producer}/blacklist", summary="Put a producer on the blacklist")
async def blacklist(
    producer: str,
    body: BlacklistBody,
    engine: EngineDep,
    policy: CreditPolicyDep,
    principal: Regulator,
) -> BlacklistState:
    """A regulator's decision (audited); certificates are refused while it stands."""
    await run_in_threadpool(queries.set_blacklist, engine, principal, producer, True, body.reason)
    return await _state(engine, policy, principal, producer)


@router.delete("/api/v1/producers/{producer}/blacklist", summary="Lift a manual blacklisting")
async def unblacklist(
    producer: str,
    engine: EngineDep,
    policy: CreditPolicyDep,
    principal: Regulator,
    body: BlacklistBody | None = None,
) -> BlacklistState:
    """Lift the manual flag (a score below the threshold still blacklists); the body's
    `reason` is optional here and goes to the audit trail."""
    reason = body.reason if body is not None else LIFTED_WITHOUT_REASON
    await run_in_threadpool(queries.set_blacklist, engine, principal, producer, False, reason)
    return await _state(engine, policy, principal, producer)


async def _state(
    engine: EngineDep, policy: CreditPolicyDep, principal: Principal, producer: str
) -> BlacklistState:
    found = await run_in_threadpool(queries.standing, engine, policy, principal, producer)
    return BlacklistState.model_validate(found)
