"""Alert detail and lifecycle: acknowledge and resolve, with who / when / why in the audit trail.

A caller only ever sees alerts of their scope; outside it an alert does not exist (404).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from agrisafe.timeutil import Clock
from cloud.api.auth import Principal, Role, require_reader, require_role
from cloud.api.deps import EngineDep
from cloud.credit import ledger
from cloud.store import alerts as alert_store
from cloud.store import audit

router = APIRouter(tags=["alerts"])


class AcknowledgeBody(BaseModel):
    """Why (optional) the alert is acknowledged."""

    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=2000, description="free text")


class ResolveBody(BaseModel):
    """Why the alert is resolved; `dismiss` when it was wrong (gives the credit back)."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, description="why it is resolved")
    dismiss: bool = Field(default=False, description="the alert was wrong: refund its credit")


def _visible(row: dict[str, Any] | None, principal: Principal, alert_id: str) -> dict[str, Any]:
    if row is None or not principal.sees(row["site"], row["region"]):
        raise HTTPException(404, f"no alert {alert_id}")
    return row


@router.get("/api/v1/alerts/{alert_id}", summary="One alert with its audit trail")
async def get_alert(
    alert_id: str, engine: EngineDep, principal: Annotated[Principal, Depends(require_reader)]
) -> dict[str, Any]:
    """The alert and every lifecycle event (who, when, why)."""

    def load() -> dict[str, Any]:
        with engine.connect() as conn:
            row = _visible(alert_store.get_row(conn, alert_id), principal, alert_id)
            history = audit.for_target(conn, f"alert:{alert_id}")
        alert = alert_store.to_alert(row).model_dump(mode="json", exclude_none=True)
        return alert | {"history": history}

    return await run_in_threadpool(load)


def _transition(
    engine: Engine,
    principal: Principal,
    alert_id: str,
    action: str,
    detail: dict[str, Any],
) -> dict[str, Any]:
    now = Clock().now_ms()
    with engine.begin() as conn:
        row = _visible(alert_store.get_row(conn, alert_id), principal, alert_id)
        if action == "acknowledge":
            outcome = alert_store.acknowledge(conn, alert_id, principal.name, now)
        else:
            outcome = alert_store.resolve(conn, alert_id, principal.name, detail["reason"], now)
        if outcome is alert_store.Transition.CONFLICT:
            raise HTTPException(409, f"alert {alert_id} is {row['status']}: cannot {action}")
        if action == "resolve" and detail.get("dismiss"):
            detail["credit_refund"] = ledger.compensate(conn, row, detail["reason"], now)
        audit.record(
            conn,
            actor=principal.name,
            role=principal.role.value,
            action=f"alert.{action}",
            target=f"alert:{alert_id}",
            detail=detail,
            now_ms=now,
        )
        updated = alert_store.get_row(conn, alert_id)
    assert updated is not None
    return alert_store.to_alert(updated).model_dump(mode="json", exclude_none=True)


@router.post("/api/v1/alerts/{alert_id}/acknowledge", summary="open → acknowledged")
async def acknowledge(
    alert_id: str,
    engine: EngineDep,
    principal: Annotated[Principal, Depends(require_role(Role.REGULATOR, Role.PRODUCER))],
    body: AcknowledgeBody | None = None,
) -> dict[str, Any]:
    """Acknowledge an open alert (regulators, and producers for their own sites)."""
    detail = {"note": body.note if body else None}
    return await run_in_threadpool(_transition, engine, principal, alert_id, "acknowledge", detail)


@router.post("/api/v1/alerts/{alert_id}/resolve", summary="open / acknowledged → resolved")
async def resolve(
    alert_id: str,
    body: ResolveBody,
    engine: EngineDep,
    principal: Annotated[Principal, Depends(require_role(Role.REGULATOR))],
) -> dict[str, Any]:
    """Resolve an alert with a reason (regulators)."""
    detail: dict[str, Any] = {"reason": body.reason, "dismiss": body.dismiss}
    return await run_in_threadpool(_transition, engine, principal, alert_id, "resolve", detail)
