"""Reference data: what is loaded, look-ups that explain themselves, admin label entries."""

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import ValidationError
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from agrisafe.protocol import Species
from agrisafe.timeutil import Clock
from cloud.api.auth import Principal, require, require_admin
from cloud.api.deps import EngineDep, ReferenceDep
from cloud.reference.catalog import build_catalog
from cloud.reference.lookup import resolve_phi, resolve_withdrawal
from cloud.reference.model import PhiRow, WithdrawalRow
from cloud.reference.provider import ReferenceProvider
from cloud.store import audit, reference_entries

router = APIRouter(tags=["reference"])


@router.get("/api/v1/reference", summary="Reference data version and label entries")
async def reference_info(
    engine: EngineDep, provider: ReferenceDep, _p: Annotated[Principal, Depends(require)]
) -> dict[str, Any]:
    """Version, counts, sources and the active admin label entries."""

    def load() -> dict[str, Any]:
        with engine.connect() as conn:
            cat = provider.resolver(conn).cat
            entries = reference_entries.active(conn)
        return {
            "version": cat.version,
            "phi_ingredients": len(cat.phi_by_ingredient),
            "phi_label_products": len(cat.phi_by_reg_no),
            "banned_substances": len(cat.bans_by_substance),
            "withdrawal_drugs": len(cat.withdrawal_by_drug),
            "sources": {k: v.model_dump() for k, v in provider.files.sources.sources.items()},
            "label_entries": entries,
        }

    return await run_in_threadpool(load)


@router.get("/api/v1/reference/phi", summary="Which PHI applies, and why")
async def lookup_phi(
    engine: EngineDep,
    provider: ReferenceDep,
    _p: Annotated[Principal, Depends(require)],
    crop: str,
    ingredient: Annotated[list[str] | None, Query()] = None,
    reg_no: str | None = None,
    formulation: str | None = None,
) -> dict[str, Any]:
    """The rows the rules would use for an input on a crop (precedence applied)."""

    def load() -> dict[str, Any]:
        with engine.connect() as conn:
            cat = provider.resolver(conn).cat
        names = tuple(cat.ingredient(i) for i in ingredient or [])
        res = resolve_phi(
            cat, names, cat.crops.canonical(crop), reg_no=reg_no, formulation=formulation
        )
        return {
            "crop": cat.crops.canonical(crop),
            "phi_days": res.phi_days,
            "choices": [asdict(c) for c in res.choices],
            "unresolved": list(res.unresolved),
        }

    return await run_in_threadpool(load)


@router.get("/api/v1/reference/withdrawal", summary="Which withdrawal applies, and why")
async def lookup_withdrawal(
    engine: EngineDep,
    provider: ReferenceDep,
    _p: Annotated[Principal, Depends(require)],
    drug: str,
    species: Species,
) -> dict[str, Any]:
    """The periods per animal product for a drug given to a species."""

    def load() -> dict[str, Any]:
        with engine.connect() as conn:
            cat = provider.resolver(conn).cat
        res = resolve_withdrawal(cat, drug, species)
        return {
            "matched": res.matched,
            "periods": {
                p.value: [
                    {
                        "period": c.period.describe(),
                        "provisional": c.provisional,
                        "source": c.source,
                        "row": c.drug,
                    }
                    for c in choices
                ]
                for p, choices in res.periods.items()
            },
        }

    return await run_in_threadpool(load)


def _add(
    engine: Engine,
    provider: ReferenceProvider,
    principal: Principal,
    kind: str,
    data: dict[str, Any],
) -> int:
    now = Clock().now_ms()
    with engine.begin() as conn:
        # Validate against the whole catalogue (crop known, ids unique) before storing.
        current = [
            PhiRow.model_validate(e["data"])
            for e in reference_entries.active(conn)
            if e["kind"] == "phi"
        ]
        try:
            if kind == "phi":
                build_catalog(provider.files, [*current, PhiRow.model_validate(data)])
            else:
                build_catalog(provider.files, current, [WithdrawalRow.model_validate(data)])
        except (ValueError, ValidationError) as err:
            raise HTTPException(422, str(err)) from err
        entry_id = reference_entries.add(conn, kind, data, principal.name, now)
        audit.record(
            conn,
            actor=principal.name,
            role=principal.role.value,
            action=f"reference.{kind}.add",
            target=f"reference:{entry_id}",
            detail=data,
            now_ms=now,
        )
    return entry_id


@router.post("/api/v1/reference/phi", status_code=201, summary="Add a label PHI entry")
async def add_phi(
    row: PhiRow,
    engine: EngineDep,
    provider: ReferenceDep,
    principal: Annotated[Principal, Depends(require_admin)],
) -> dict[str, Any]:
    """A PHI from a product label (登记证号 → PHI on a crop); `source` names the label."""
    if not row.source.startswith(("label:", "http://", "https://")):
        raise HTTPException(422, "source must name the label: 'label:PD…' or its URL")
    data = row.model_dump(mode="json", exclude_none=True)
    entry_id = await run_in_threadpool(_add, engine, provider, principal, "phi", data)
    return {"id": entry_id, "kind": "phi", "data": data}


@router.post("/api/v1/reference/withdrawal", status_code=201, summary="Add a label withdrawal")
async def add_withdrawal(
    row: WithdrawalRow,
    engine: EngineDep,
    provider: ReferenceDep,
    principal: Annotated[Principal, Depends(require_admin)],
) -> dict[str, Any]:
    """A withdrawal period from a 兽药说明书; `source` names the label."""
    if not row.source.startswith(("label:", "http://", "https://")):
        raise HTTPException(422, "source must name the label: 'label:…' or its URL")
    data = row.model_dump(mode="json", exclude_none=True)
    entry_id = await run_in_threadpool(_add, engine, provider, principal, "withdrawal", data)
    return {"id": entry_id, "kind": "withdrawal", "data": data}


@router.delete("/api/v1/reference/entries/{entry_id}", summary="Retire a label entry")
async def retire_entry(
    entry_id: int, engine: EngineDep, principal: Annotated[Principal, Depends(require_admin)]
) -> dict[str, Any]:
    """Retired entries stop applying; they stay in the database and the audit trail."""
    now = Clock().now_ms()

    def retire() -> bool:
        with engine.begin() as conn:
            done = reference_entries.retire(conn, entry_id, now)
            if done:
                audit.record(
                    conn,
                    actor=principal.name,
                    role=principal.role.value,
                    action="reference.retire",
                    target=f"reference:{entry_id}",
                    detail={},
                    now_ms=now,
                )
            return done

    if not await run_in_threadpool(retire):
        raise HTTPException(404, f"no active entry {entry_id}")
    return {"id": entry_id, "retired": True}
