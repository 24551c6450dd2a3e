"""Producer credit: score, level, every change with its alert; the manual blacklist."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, select
from starlette.concurrency import run_in_threadpool

from agrisafe.timeutil import Clock
from cloud.api.auth import Principal, Role, require_reader, require_role
from cloud.api.deps import CreditPolicyDep, EngineDep
from cloud.credit import ledger
from cloud.store import audit, credit
from cloud.store import tables as t

router = APIRouter(tags=["credit"])


class BlacklistBody(BaseModel):
    """Why a producer goes on (or comes off) the blacklist."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, description="the decision's grounds")


def _producers_in_scope(conn: Any, principal: Principal) -> dict[str, list[str]]:
    """producer → its sites the caller may see."""
    rows = conn.execute(select(t.sites.c.id, t.sites.c.region, t.sites.c.producer))
    out: dict[str, list[str]] = {}
    for site, region, producer in rows:
        if producer and principal.sees(site, region):
            out.setdefault(producer, []).append(site)
    return out


@router.get("/api/v1/credit", summary="Credit of the producers in scope")
async def list_credit(
    engine: EngineDep,
    policy: CreditPolicyDep,
    principal: Annotated[Principal, Depends(require_reader)],
) -> dict[str, Any]:
    """Score, level and blacklist state per producer (events left out)."""

    def load() -> dict[str, Any]:
        with engine.connect() as conn:
            items = []
            for producer, sites in sorted(_producers_in_scope(conn, principal).items()):
                s = ledger.standing(conn, producer, policy)
                s.pop("events")
                items.append(s | {"sites": sites})
        return {"total": len(items), "items": items}

    return await run_in_threadpool(load)


@router.get("/api/v1/producers/{producer}/credit", summary="One producer's credit record")
async def get_credit(
    producer: str,
    engine: EngineDep,
    policy: CreditPolicyDep,
    principal: Annotated[Principal, Depends(require_reader)],
) -> dict[str, Any]:
    """Score, level, blacklist state and every change with the alert behind it."""

    def load() -> dict[str, Any]:
        with engine.connect() as conn:
            if producer not in _producers_in_scope(conn, principal):
                raise HTTPException(404, f"no producer {producer}")
            return ledger.standing(conn, producer, policy)

    return await run_in_threadpool(load)


def _set(engine: Engine, principal: Principal, producer: str, on: bool, reason: str) -> None:
    now = Clock().now_ms()
    with engine.begin() as conn:
        if producer not in _producers_in_scope(conn, principal):
            raise HTTPException(404, f"no producer {producer}")
        credit.set_flag(conn, producer, on, reason, principal.name, now)
        audit.record(
            conn,
            actor=principal.name,
            role=principal.role.value,
            action="producer.blacklist" if on else "producer.unblacklist",
            target=f"producer:{producer}",
            detail={"reason": reason},
            now_ms=now,
        )


@router.put("/api/v1/producers/{producer}/blacklist", summary="Put a producer on the blacklist")
async def blacklist(
    producer: str,
    body: BlacklistBody,
    engine: EngineDep,
    principal: Annotated[Principal, Depends(require_role(Role.REGULATOR))],
) -> dict[str, Any]:
    """A regulator's decision (audited); certificates are refused while it stands."""
    await run_in_threadpool(_set, engine, principal, producer, True, body.reason)
    return {"producer": producer, "blacklisted": True}


@router.delete("/api/v1/producers/{producer}/blacklist", summary="Lift a manual blacklisting")
async def unblacklist(
    producer: str,
    body: BlacklistBody,
    engine: EngineDep,
    principal: Annotated[Principal, Depends(require_role(Role.REGULATOR))],
) -> dict[str, Any]:
    """Lift the manual flag (a score below the threshold still blacklists)."""
    await run_in_threadpool(_set, engine, principal, producer, False, body.reason)
    return {"producer": producer, "manual_blacklist": False}
