"""Facts: the parts of stored or new envelopes the timeline rules reason about.

Built from a validated envelope (new messages) or from its stored JSON (history) without a second
pydantic validation, and canonicalised through the reference catalogue (crop synonyms, ingredient
aliases), so both paths compare equal.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agrisafe.protocol import (
    AnimalProduct,
    CertificateRequestEnvelope,
    DispatchEnvelope,
    Envelope,
    HarvestEnvelope,
    InputUseEnvelope,
    Species,
    TreatmentEnvelope,
)
from agrisafe.timeutil import parse_rfc3339
from cloud.reference.catalog import Catalog


@dataclass(frozen=True, slots=True)
class Fact:
    """Common part: message id, site, event time (ms and the sender's RFC 3339 text)."""

    id: str
    site: str
    ts_ms: int
    ts: str

    def when(self) -> datetime:
        """Event time with the sender's offset (alert `ts`)."""
        return parse_rfc3339(self.ts)


@dataclass(frozen=True, slots=True)
class Application(Fact):
    """A pesticide application (input_use) on a plot."""

    plot: str
    crop: str
    ingredients: tuple[str, ...]
    reg_no: str | None
    formulation: str | None
    product: str


@dataclass(frozen=True, slots=True)
class Harvest(Fact):
    """A harvest of a plot's crop into a lot."""

    plot: str
    crop: str
    lot: str


@dataclass(frozen=True, slots=True)
class Treatment(Fact):
    """A veterinary drug given to a herd."""

    herd: str
    species: Species
    drug: str
    water_temp_c: float | None


@dataclass(frozen=True, slots=True)
class Dispatch(Fact):
    """Meat, milk or eggs leaving a herd as a lot."""

    herd: str
    species: Species
    product: AnimalProduct
    lot: str


@dataclass(frozen=True, slots=True)
class CertRequest(Fact):
    """A request for a 承诺达标合格证 for a lot."""

    lot: str
    commodity: str
    qty_kg: float
    basis: tuple[str, ...]


AnyFact = Application | Harvest | Treatment | Dispatch | CertRequest
# Plain dict look-ups: calling the enum class per stored row is measurably slower.
_SPECIES = {s.value: s for s in Species}
_PRODUCTS = {p.value: p for p in AnimalProduct}


def _ingredients(cat: Catalog, names: list[str]) -> tuple[str, ...]:
    return cat.ingredients(names)


def from_envelope(env: Envelope, cat: Catalog) -> AnyFact | None:
    """The fact of a new, validated envelope (None for kinds without a timeline)."""
    ts = env.ts  # validated aware datetime; isoformat() is the RFC 3339 form used throughout
    base = (env.id, env.site, int(ts.timestamp() * 1000), ts.isoformat())
    if isinstance(env, InputUseEnvelope):
        b = env.body
        p = b.product
        crop = cat.crops.canonical(b.crop)
        ingredients = _ingredients(cat, list(p.active_ingredients))
        return Application(*base, b.plot, crop, ingredients, p.reg_no, p.formulation, p.name)
    if isinstance(env, HarvestEnvelope):
        return Harvest(*base, env.body.plot, cat.crops.canonical(env.body.crop), env.body.lot)
    if isinstance(env, TreatmentEnvelope):
        b2 = env.body
        return Treatment(*base, b2.herd, b2.species, b2.drug, b2.water_temp_c)
    if isinstance(env, DispatchEnvelope):
        b3 = env.body
        return Dispatch(*base, b3.herd, b3.species, b3.product, b3.lot)
    if isinstance(env, CertificateRequestEnvelope):
        b4 = env.body
        basis = tuple(x.value for x in b4.basis)
        return CertRequest(*base, b4.lot, b4.commodity, b4.qty_kg, basis)
    return None


def from_json(kind: str, ts_ms: int, env: dict[str, Any], cat: Catalog) -> AnyFact | None:
    """The fact of a stored envelope (already validated when it was accepted)."""
    b = env["body"]
    base = (env["id"], env["site"], ts_ms, env["ts"])
    if kind == "input_use":
        p = b["product"]
        crop = cat.crops.canonical(b["crop"])
        ingredients = _ingredients(cat, p["active_ingredients"])
        return Application(
            *base, b["plot"], crop, ingredients, p.get("reg_no"), p.get("formulation"), p["name"]
        )
    if kind == "harvest":
        return Harvest(*base, b["plot"], cat.crops.canonical(b["crop"]), b["lot"])
    if kind == "treatment":
        return Treatment(*base, b["herd"], _SPECIES[b["species"]], b["drug"], b.get("water_temp_c"))
    if kind == "dispatch":
        return Dispatch(*base, b["herd"], _SPECIES[b["species"]], _PRODUCTS[b["product"]], b["lot"])
    if kind == "certificate_request":
        return CertRequest(*base, b["lot"], b["commodity"], b["qty_kg"], tuple(b["basis"]))
    return None
