"""The downlink over HTTP: send a device a command, and see what each device answered.

A producer commands the devices of their own sites, an admin any device; a regulator or
inspector reads the list (it is part of what happened at a site) but sends nothing.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from agrisafe.protocol.enums import CommandName
from cloud.api.auth import Principal, Role, require_reader, require_role
from cloud.api.deps import RuntimeDep
from cloud.api.schemas.query import PageQuery
from cloud.commands.service import MAX_TTL_S, MIN_TTL_S, CommandService

router = APIRouter(tags=["commands"])
Reader = Annotated[Principal, Depends(require_reader)]
Issuer = Annotated[Principal, Depends(require_role(Role.PRODUCER))]


class CommandBody(BaseModel):
    """A command for one device (params per command: docs/protocol.md, "Commands")."""

    model_config = ConfigDict(extra="forbid")
    name: CommandName
    params: dict[str, Any] = Field(default_factory=dict)
    ttl_s: int = Field(
        default=600, ge=MIN_TTL_S, le=MAX_TTL_S, description="the device refuses it after this"
    )


class CommandPublic(BaseModel):
    """A command and, once it came, the device's answer."""

    id: str
    site: str
    device: str
    name: str
    params: dict[str, Any]
    issued_by: str
    issued_ms: int
    expires_ms: int
    status: str = Field(description="sent, done, refused, failed or expired (never answered)")
    detail: str | None
    evidence: list[dict[str, Any]] | None
    result_record: str | None = Field(description="id of the device's command_result record")
    answered_ms: int | None


class CommandPage(BaseModel):
    """One page of commands, newest first."""

    total: int
    items: list[CommandPublic]


def _service(rt: RuntimeDep) -> CommandService:
    if rt.commands is None:
        raise HTTPException(503, "this cloud has no downlink (no MQTT publisher)")
    return rt.commands


Commands = Annotated[CommandService, Depends(_service)]


@router.post(
    "/api/v1/sites/{site}/devices/{device}/commands",
    status_code=202,
    summary="Send a device a command",
)
async def send_command(
    site: str, device: str, body: CommandBody, svc: Commands, principal: Issuer
) -> CommandPublic:
    """Stored, audited, signed with the cloud's key and queued; 202: the device answers later
    (poll the list: `sent` until its `command_result` arrives, `expired` if it never does)."""
    row = await run_in_threadpool(
        svc.issue, principal, site, device, body.name, body.params, body.ttl_s
    )
    return CommandPublic.model_validate(row)


@router.get("/api/v1/sites/{site}/commands", summary="Commands sent to a site's devices")
async def list_commands(
    site: str,
    svc: Commands,
    principal: Reader,
    q: Annotated[PageQuery, Query()],
    device: str | None = None,
) -> CommandPage:
    """Newest first, with each device's answer."""
    total, rows = await run_in_threadpool(svc.listing, principal, site, device, q.limit, q.offset)
    return CommandPage(total=total, items=[CommandPublic.model_validate(r) for r in rows])
