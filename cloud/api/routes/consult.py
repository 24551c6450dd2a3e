"""Consultation cases (远程诊断、会诊): open, read, check a recommendation, reply, close, and a
live stream of changes. Scoped like every other route: a case is seen by whoever sees its site.
"""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from agrisafe.timeutil import Clock
from cloud.api.auth import Principal, Role, require_reader, require_role, require_stream_reader
from cloud.api.deps import EngineDep, ReferenceDep, RegistryDep, SettingsDep
from cloud.api.schemas.consult import (
    CheckResult,
    ConsultCase,
    ConsultCaseDetail,
    ConsultMessage,
    ConsultPage,
)
from cloud.api.token_watch import TokenWatch
from cloud.consult.check import Recommendation
from cloud.consult.service import CaseDraft, ConsultService, Flagged, Reply

router = APIRouter(tags=["consultations"])
SHA = r"^[0-9a-f]{64}$"
Reader = Annotated[Principal, Depends(require_reader)]
Opener = Annotated[Principal, Depends(require_role(Role.PRODUCER, Role.INSPECTOR))]
Replier = Annotated[Principal, Depends(require_role(Role.PRODUCER, Role.INSPECTOR, Role.EXPERT))]


class CaseBody(BaseModel):
    """A new consultation: a crop (with its plot) or a herd (with its species)."""

    model_config = ConfigDict(extra="forbid")
    site: str = Field(max_length=128)
    symptoms: str = Field(min_length=1, max_length=4000, description="what is seen, in words")
    crop: str | None = Field(default=None, max_length=64, description="e.g. 黄瓜")
    plot: str | None = Field(default=None, max_length=128)
    herd: str | None = Field(default=None, max_length=128)
    species: str | None = Field(default=None, max_length=32, description="pig, cattle, …")
    location: dict[str, Any] | None = Field(default=None, description="GeoJSON Point")
    attachments: list[Annotated[str, Field(pattern=SHA)]] = Field(default=[], max_length=20)
    harvest_ms: int | None = Field(default=None, description="planned harvest / slaughter")


class DiagnosisBody(BaseModel):
    """An expert's structured diagnosis."""

    model_config = ConfigDict(extra="forbid")
    problem: str = Field(min_length=1, max_length=200, description="pest or disease")
    product: str | None = Field(default=None, max_length=100, description="active ingredient")
    dose: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)

    def recommendation(self) -> Recommendation:
        """The service's value object."""
        return Recommendation(self.problem, self.product, self.dose, self.note)


class ReplyBody(BaseModel):
    """A message in the thread."""

    model_config = ConfigDict(extra="forbid")
    body: str = Field(default="", max_length=4000)
    attachments: list[Annotated[str, Field(pattern=SHA)]] = Field(default=[], max_length=20)
    diagnosis: DiagnosisBody | None = None
    confirm_flags: bool = Field(
        default=False, description="send although the reference check flagged it"
    )


class CloseBody(BaseModel):
    """Why the case is closed."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=2000)


def _service(engine: EngineDep, reference: ReferenceDep) -> ConsultService:
    return ConsultService(engine, reference)


Service = Annotated[ConsultService, Depends(_service)]


@router.post("/api/v1/consultations", status_code=201, summary="Open a consultation")
async def open_case(
    body: CaseBody, service: Service, registry: RegistryDep, principal: Opener
) -> ConsultCase:
    """A producer or inspector asks the region's experts (status `open`)."""
    info = await run_in_threadpool(registry.site, body.site)
    if info is None or not principal.sees(body.site, info.region):
        raise HTTPException(404, f"no site {body.site!r} in scope")
    draft = CaseDraft(
        **body.model_dump(exclude={"attachments"}), attachments=tuple(body.attachments)
    )
    return ConsultCase.model_validate(
        await run_in_threadpool(service.open, principal, info.region, draft)
    )


@router.get("/api/v1/consultations", summary="List consultations in scope")
async def list_cases(
    service: Service,
    principal: Reader,
    status: Literal["open", "answered", "closed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ConsultPage:
    """`{"total": N, "items": [...]}`, most recently changed first."""
    total, items = await run_in_threadpool(
        service.listing, principal, principal.regions, principal.sites, status, limit, offset
    )
    return ConsultPage.model_validate({"total": total, "items": items})


@router.get(
    "/api/v1/consultations/stream",
    summary="Live consultation changes (SSE, event: consultation)",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream(
    request: Request,
    service: Service,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(require_stream_reader)],
) -> EventSourceResponse:
    """Each case in scope as it is opened, answered, replied to or closed (read from the
    database every second, so changes made by any cloud process show). Takes `?token=`;
    the stream ends once that token is revoked or expires."""
    since = Clock().now_ms()
    watch = TokenWatch(request, principal, settings.sse_token_recheck_s)

    async def events() -> AsyncIterator[dict[str, str]]:
        nonlocal since
        yield {"event": "ready", "data": "{}"}
        while not await request.is_disconnected() and await watch.valid():
            changed = await run_in_threadpool(
                service.changed_since, since, principal.regions, principal.sites
            )
            if changed and not await watch.valid(now=True):
                return
            for case in changed:
                since = max(since, int(case["updated_ms"]))
                yield {"event": "consultation", "data": orjson.dumps(case).decode()}
            await asyncio.sleep(1.0)

    return EventSourceResponse(events(), ping=15)


@router.get("/api/v1/consultations/{case_id}", summary="A consultation with its thread")
async def get_case(case_id: str, service: Service, principal: Reader) -> ConsultCaseDetail:
    """The case and every message, oldest first."""
    return ConsultCaseDetail.model_validate(
        await run_in_threadpool(service.get, principal, case_id)
    )


@router.post(
    "/api/v1/consultations/{case_id}/check",
    summary="What the reference data says about a recommendation (nothing is sent)",
)
async def check(
    case_id: str, body: DiagnosisBody, service: Service, principal: Replier
) -> CheckResult:
    """The PHI / withdrawal look-up and the flags a reply with this diagnosis would carry."""
    checked = await run_in_threadpool(service.check, principal, case_id, body.recommendation())
    return CheckResult.model_validate({"lookup": checked.lookup, "flags": checked.flags})


@router.post(
    "/api/v1/consultations/{case_id}/messages",
    status_code=201,
    summary="Reply in the thread (an expert's diagnosis answers the case)",
    response_model=ConsultMessage,
    responses={409: {"description": "flagged (PHI, withdrawal or ban) and not confirmed"}},
)
async def reply(case_id: str, body: ReplyBody, service: Service, principal: Replier) -> Any:
    """409 with the flags when the diagnosis breaks a PHI or ban; resend with
    `confirm_flags: true` to send it anyway (the flags stay on the message)."""
    message = Reply(
        body=body.body,
        attachments=tuple(body.attachments),
        diagnosis=body.diagnosis.recommendation() if body.diagnosis else None,
        confirm_flags=body.confirm_flags,
    )
    try:
        return await run_in_threadpool(service.reply, principal, case_id, message)
    except Flagged as err:
        return JSONResponse(
            {"detail": str(err), "flags": err.checked.flags, "lookup": err.checked.lookup},
            status_code=409,
        )


@router.post("/api/v1/consultations/{case_id}/close", summary="answered / open → closed")
async def close(case_id: str, body: CloseBody, service: Service, principal: Replier) -> ConsultCase:
    """Close the case (its opener, an expert or an admin)."""
    return ConsultCase.model_validate(
        await run_in_threadpool(service.close, principal, case_id, body.reason)
    )
