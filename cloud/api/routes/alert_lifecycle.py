"""Alert detail and lifecycle: acknowledge and resolve, with who / when / why in the audit trail.

A caller only ever sees alerts of their scope; outside it an alert does not exist (404).
"""

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from agrisafe.protocol import Alert
from cloud.alerts import lifecycle
from cloud.api.auth import Principal, Role, require_reader, require_role
from cloud.api.deps import EngineDep
from cloud.api.schemas.alerts import AcknowledgeBody, AlertDetail, ResolveBody

router = APIRouter(tags=["alerts"])


@router.get(
    "/api/v1/alerts/{alert_id}",
    summary="One alert with its audit trail",
    response_model_exclude_none=True,
)
async def get_alert(
    alert_id: str, engine: EngineDep, principal: Annotated[Principal, Depends(require_reader)]
) -> AlertDetail:
    """The alert and every lifecycle event (who, when, why)."""
    alert, history = await run_in_threadpool(lifecycle.with_history, engine, principal, alert_id)
    return AlertDetail.model_validate(alert.model_dump() | {"history": history})


@router.post(
    "/api/v1/alerts/{alert_id}/acknowledge",
    summary="open → acknowledged",
    response_model_exclude_none=True,
)
async def acknowledge(
    alert_id: str,
    engine: EngineDep,
    principal: Annotated[Principal, Depends(require_role(Role.REGULATOR, Role.PRODUCER))],
    body: AcknowledgeBody | None = None,
) -> Alert:
    """Acknowledge an open alert (regulators, and producers for their own sites)."""
    note = body.note if body else None
    return await run_in_threadpool(lifecycle.acknowledge, engine, principal, alert_id, note)


@router.post(
    "/api/v1/alerts/{alert_id}/resolve",
    summary="open / acknowledged → resolved",
    response_model_exclude_none=True,
)
async def resolve(
    alert_id: str,
    body: ResolveBody,
    engine: EngineDep,
    principal: Annotated[Principal, Depends(require_role(Role.REGULATOR))],
) -> Alert:
    """Resolve an alert with a reason (regulators)."""
    return await run_in_threadpool(
        lifecycle.resolve, engine, principal, alert_id, body.reason, body.dismiss
    )
