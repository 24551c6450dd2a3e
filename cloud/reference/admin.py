"""Reference data as the API shows it: what is loaded, look-ups that explain themselves, and
the admin's label entries (checked against the whole catalogue, audited)."""

import logging
from dataclasses import asdict
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine

from agrisafe.protocol import Species
from agrisafe.timeutil import Clock
from cloud.access import Caller, Rejected, audited
from cloud.reference.catalog import build_catalog, known_name
from cloud.reference.lookup import resolve_phi, resolve_withdrawal
from cloud.reference.model import NameMapping, PhiRow, WithdrawalRow
from cloud.reference.provider import ReferenceProvider, split_entries
from cloud.store import reference_entries

logger = logging.getLogger(__name__)


def info(engine: Engine, provider: ReferenceProvider) -> dict[str, Any]:
    """Version, counts, sources and the active admin label entries."""
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


def lookup_phi(
    engine: Engine,
    provider: ReferenceProvider,
    crop: str,
    ingredients: list[str],
    *,
    reg_no: str | None = None,
    formulation: str | None = None,
) -> dict[str, Any]:
    """The PHI rows the rules would use for an input on a crop (precedence applied)."""
    with engine.connect() as conn:
        cat = provider.resolver(conn).cat
    names = tuple(cat.ingredient(i) for i in ingredients)
    res = resolve_phi(cat, names, cat.crops.canonical(crop), reg_no=reg_no, formulation=formulation)
    return {
        "crop": cat.crops.canonical(crop),
        "phi_days": res.phi_days,
        "choices": [asdict(c) for c in res.choices],
        "unresolved": list(res.unresolved),
    }


def lookup_withdrawal(
    engine: Engine, provider: ReferenceProvider, drug: str, species: Species
) -> dict[str, Any]:
    """The withdrawal periods per animal product for a drug given to a species."""
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


def add_entry(
    engine: Engine, provider: ReferenceProvider, caller: Caller, kind: str, data: dict[str, Any]
) -> int:
    """Store an entry (`phi`, `withdrawal` or a name `mapping`); `Rejected` when the catalogue
    refuses it. Audited; the rules use it from their next evaluation on."""
    now = Clock().now_ms()
    with engine.begin() as conn:
        # Validate against the whole catalogue (crop known, ids unique) before storing.
        phi, withdrawal, mappings = split_entries(reference_entries.active(conn))
        try:
            if kind == "phi":
                phi.append(PhiRow.model_validate(data))
            elif kind == "mapping":
                mapping = NameMapping.model_validate(data)
                meaning = known_name(
                    build_catalog(provider.files, phi, withdrawal, mappings), mapping
                )
                if meaning is not None:
                    raise Rejected(
                        f"{mapping.name!r} already means {meaning!r}: a mapping resolves a name "
                        "the reference data did not know"
                    )
                mappings.append(mapping)
            else:
                withdrawal.append(WithdrawalRow.model_validate(data))
            build_catalog(provider.files, phi, withdrawal, mappings)
        except (ValueError, ValidationError) as err:
            raise Rejected(str(err)) from err
        entry_id = reference_entries.add(conn, kind, data, caller.name, now)
        audited(conn, caller, f"reference.{kind}.add", f"reference:{entry_id}", data, now)
    return entry_id


def retire_entry(engine: Engine, caller: Caller, entry_id: int) -> bool:
    """Retire a label entry (kept for the audit trail); False when there is no such entry."""
    now = Clock().now_ms()
    with engine.begin() as conn:
        done = reference_entries.retire(conn, entry_id, now)
        if done:
            audited(conn, caller, "reference.retire", f"reference:{entry_id}", {}, now)
    return done
