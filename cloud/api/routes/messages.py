"""`POST /api/v1/messages`: the same envelopes as MQTT, same validation, idempotency, quarantine.

Status codes (protocol-v1.md "HTTP API basics"): 202 accepted, 200 duplicate, 409 id reuse,
413 too large, 422 invalid (unsafe JSON, event time out of bounds, …); 403 when the sender
is not registered, outside the token's scope or of a device type that may not send the kind;
503 when the store is down (nothing taken, retry). Scope is checked by ingest on the validated
envelope, with the caller's token passed in. A JSON array is processed
item by item: 202 when nothing was rejected, 200 when all were duplicates, the one common
code when every item was rejected for it (e.g. 403), otherwise 422 with a result per item
(the accepted items are stored).
"""

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from agrisafe.protocol import QuarantineReason
from cloud.access import may_post_as
from cloud.api.auth import Principal, Role, require_role
from cloud.api.deps import IngestDep
from cloud.api.schemas.messages import BatchResult, FieldError, MessageResult
from cloud.domain import Incoming, Outcome, ScopeCheck, Source, Verdict
from cloud.ingest.isolate import FaultIsolator
from cloud.ingest.safety import split_array
from cloud.registry.service import RegistryService

logger = logging.getLogger(__name__)

router = APIRouter(tags=["messages"])
# Who may submit records: farmer apps (producers), inspectors, devices — each in its scope.
_SENDERS = require_role(Role.PRODUCER, Role.INSPECTOR, Role.DEVICE)
MAX_REQUEST_BYTES = 8 * 1024 * 1024  # an array of many envelopes, each ≤ 256 KiB

_CODES = {
    QuarantineReason.TOO_LARGE: 413,
    QuarantineReason.ID_REUSE: 409,
    QuarantineReason.ID_CONFLICT: 409,
    QuarantineReason.UNKNOWN_DEVICE: 403,
    QuarantineReason.OUT_OF_SCOPE: 403,
    QuarantineReason.KIND_NOT_ALLOWED: 403,
}


def _result(o: Outcome) -> MessageResult:
    if o.rejection is None:
        return MessageResult(id=o.message_id, status=o.verdict.value)
    r = o.rejection
    return MessageResult(
        id=r.message_id,
        status=o.verdict.value,
        reason=r.reason.value,
        errors=[FieldError(field=p.field, reason=p.reason) for p in r.problems],
    )


def _json(result: MessageResult | BatchResult, code: int) -> JSONResponse:
    # Only what was set: accepted and duplicate results carry no reason or errors.
    return JSONResponse(result.model_dump(exclude_unset=True), status_code=code)


def _code(o: Outcome) -> int:
    if o.verdict is Verdict.ACCEPTED:
        return 202
    if o.verdict is Verdict.DUPLICATE:
        return 200
    assert o.rejection is not None
    return _CODES.get(o.rejection.reason, 422)


async def _read_capped(request: Request, cap: int) -> tuple[bytes, bool]:
    # Read at most cap+1 bytes: an oversized upload is quarantined by its head, not buffered.
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            return b"".join(chunks), True
    return b"".join(chunks), False


def _scope(principal: Principal, registry: RegistryService) -> ScopeCheck | None:
    """Which sites and devices the caller may send as, checked by ingest on the VALIDATED
    envelope (a body no parser here understands can no longer slip past it)."""
    if principal.role is Role.ADMIN:
        return None

    def check(site: str, device: str) -> str | None:
        if not principal.sees(site, registry.region_of(site)):
            return f"site {site!r} is outside this token's scope"
        # A device token posts only as itself; a person's token only as a person's device (a
        # farmer's app may not post an instrument's rapid test): cloud.access decides.
        return may_post_as(
            principal.role.value, principal.device, device, registry.device_type(site, device)
        )

    return check


@router.post(
    "/api/v1/messages",
    summary="Submit one envelope or a JSON array of envelopes",
    status_code=202,
    response_model=MessageResult | BatchResult,
    responses={
        200: {"model": MessageResult | BatchResult, "description": "duplicate(s)"},
        422: {"model": MessageResult | BatchResult, "description": "invalid (quarantined)"},
    },
)
async def post_messages(
    request: Request, service: IngestDep, principal: Annotated[Principal, Depends(_SENDERS)]
) -> JSONResponse:
    """Validate, store and evaluate the posted message(s)."""
    raw, truncated = await _read_capped(request, MAX_REQUEST_BYTES)
    now = service.clock.now_ms()
    payloads: list[bytes] | None = [raw]
    is_array = raw.lstrip()[:1] == b"["
    if is_array and not truncated:
        payloads = await run_in_threadpool(split_array, raw)
        if payloads is None:  # not a safe JSON array: validated as one message, which says why
            is_array, payloads = False, [raw]
    if not payloads:
        return JSONResponse({"detail": "empty array"}, status_code=422)
    batch = [Incoming(p, None, Source.HTTP, now) for p in payloads]
    scope = _scope(principal, service.registry)
    try:
        outcomes = await run_in_threadpool(FaultIsolator(service).process, batch, scope)
    except Exception:
        logger.exception("the store is unavailable; %d message(s) not taken", len(batch))
        return JSONResponse({"detail": "store unavailable, retry later"}, status_code=503)
    if not is_array:
        return _json(_result(outcomes[0]), _code(outcomes[0]))
    results = [_result(o) for o in outcomes]
    codes = {_code(o) for o in outcomes}
    if all(o.verdict is Verdict.DUPLICATE for o in outcomes):
        code = 200
    elif all(o.verdict is Verdict.QUARANTINED for o in outcomes) and len(codes) == 1:
        code = codes.pop()  # e.g. 403 when every item is outside the token's scope
    elif any(o.verdict is Verdict.QUARANTINED for o in outcomes):
        code = 422
    else:
        code = 202
    return _json(BatchResult(results=results), code)
