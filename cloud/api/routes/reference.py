"""Reference data: what is loaded, look-ups that explain themselves, admin label entries."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from starlette.concurrency import run_in_threadpool

from agrisafe.protocol import Species
from cloud.api.auth import Principal, Role, require, require_admin, require_role
from cloud.api.deps import EngineDep, ReferenceDep
from cloud.api.schemas.reference import (
    PhiLookup,
    ReferenceEntryCreated,
    ReferenceEntryRetired,
    ReferenceInfo,
    ResolutionIn,
    WithdrawalLookup,
)
from cloud.reference import admin
from cloud.reference.model import PhiRow, WithdrawalRow

router = APIRouter(tags=["reference"])
Caller = Annotated[Principal, Depends(require)]
Admin = Annotated[Principal, Depends(require_admin)]
Resolver_ = Annotated[Principal, Depends(require_role(Role.REGULATOR, Role.EXPERT))]
_LABEL = ("label:", "http://", "https://")


@router.get("/api/v1/reference", summary="Reference data version and label entries")
async def reference_info(engine: EngineDep, provider: ReferenceDep, _p: Caller) -> ReferenceInfo:
    """Version, counts, sources and the active admin label entries."""
    return ReferenceInfo.model_validate(await run_in_threadpool(admin.info, engine, provider))


@router.get("/api/v1/reference/phi", summary="Which PHI applies, and why")
async def lookup_phi(
    engine: EngineDep,
    provider: ReferenceDep,
    _p: Caller,
    crop: str,
    ingredient: Annotated[list[str] | None, Query()] = None,
    reg_no: str | None = None,
    formulation: str | None = None,
) -> PhiLookup:
    """The rows the rules would use for an input on a crop (precedence applied)."""
    found = await run_in_threadpool(
        lambda: admin.lookup_phi(
            engine, provider, crop, ingredient or [], reg_no=reg_no, formulation=formulation
        )
    )
    return PhiLookup.model_validate(found)


@router.get("/api/v1/reference/withdrawal", summary="Which withdrawal applies, and why")
async def lookup_withdrawal(
    engine: EngineDep, provider: ReferenceDep, _p: Caller, drug: str, species: Species
) -> WithdrawalLookup:
    """The periods per animal product for a drug given to a species."""
    found = await run_in_threadpool(admin.lookup_withdrawal, engine, provider, drug, species)
    return WithdrawalLookup.model_validate(found)


@router.post("/api/v1/reference/phi", status_code=201, summary="Add a label PHI entry")
async def add_phi(
    row: PhiRow, engine: EngineDep, provider: ReferenceDep, principal: Admin
) -> ReferenceEntryCreated:
    """A PHI from a product label (登记证号 → PHI on a crop); `source` names the label."""
    if not row.source.startswith(_LABEL):
        raise HTTPException(422, "source must name the label: 'label:PD…' or its URL")
    data = row.model_dump(mode="json", exclude_none=True)
    entry_id = await run_in_threadpool(admin.add_entry, engine, provider, principal, "phi", data)
    return ReferenceEntryCreated(id=entry_id, kind="phi", data=data)


@router.post("/api/v1/reference/withdrawal", status_code=201, summary="Add a label withdrawal")
async def add_withdrawal(
    row: WithdrawalRow, engine: EngineDep, provider: ReferenceDep, principal: Admin
) -> ReferenceEntryCreated:
    """A withdrawal period from a 兽药说明书; `source` names the label."""
    if not row.source.startswith(_LABEL):
        raise HTTPException(422, "source must name the label: 'label:…' or its URL")
    data = row.model_dump(mode="json", exclude_none=True)
    entry_id = await run_in_threadpool(
        admin.add_entry, engine, provider, principal, "withdrawal", data
    )
    return ReferenceEntryCreated(id=entry_id, kind="withdrawal", data=data)


@router.delete("/api/v1/reference/entries/{entry_id}", summary="Retire a label entry")
async def retire_entry(entry_id: int, engine: EngineDep, principal: Admin) -> ReferenceEntryRetired:
    """Retired entries stop applying; they stay in the database and the audit trail."""
    if not await run_in_threadpool(admin.retire_entry, engine, principal, entry_id):
        raise HTTPException(404, f"no active entry {entry_id}")
    return ReferenceEntryRetired(id=entry_id, retired=True)


@router.post(
    "/api/v1/reference/resolutions", status_code=201, summary="Resolve an unverifiable input"
)
async def add_resolution(
    body: ResolutionIn, engine: EngineDep, provider: ReferenceDep, principal: Resolver_
) -> ReferenceEntryCreated:
    """Regulators and experts (and admins) map a name the reference data did not know, or record
    the label's PHI / withdrawal; audited. Rules use it from their next evaluation on: a new
    certificate request for the held lot is decided again (a refusal already recorded stays)."""
    kind = "mapping" if body.mapping else "phi" if body.phi else "withdrawal"
    row = body.mapping or body.phi or body.withdrawal
    assert row is not None  # the model requires exactly one
    if kind != "mapping" and not row.source.startswith(_LABEL):
        raise HTTPException(422, "source must name the label: 'label:…' or its URL")
    data = row.model_dump(mode="json", exclude_none=True)
    entry_id = await run_in_threadpool(admin.add_entry, engine, provider, principal, kind, data)
    return ReferenceEntryCreated(id=entry_id, kind=kind, data=data)
