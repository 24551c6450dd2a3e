"""Reference data: what is loaded, explained look-ups, admin label entries."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cloud.reference.model import NameMapping, PhiRow, WithdrawalRow


class ReferenceEntryPublic(BaseModel):
    """An admin label entry (PHI or withdrawal from a product label)."""

    id: int
    kind: str = Field(description="phi or withdrawal")
    data: dict[str, Any]
    created_by: str
    created_ms: int
    retired_ms: int | None


class ReferenceInfo(BaseModel):
    """Version, counts, sources and the active label entries."""

    version: str
    phi_ingredients: int
    phi_label_products: int
    banned_substances: int
    withdrawal_drugs: int
    sources: dict[str, dict[str, Any]]
    label_entries: list[ReferenceEntryPublic]


class PhiChoicePublic(BaseModel):
    """The PHI that applies to one ingredient and the rows it comes from."""

    ingredient: str
    phi_days: int
    max_per_season: int | None
    rows: list[str]
    sources: list[str]
    level: str = Field(description="reg_no, crop or group")


class PhiLookup(BaseModel):
    """Which PHI applies to an input on a crop, and why."""

    crop: str
    phi_days: int | None = Field(description="the longest of the choices; None: unresolved")
    choices: list[PhiChoicePublic]
    unresolved: list[str]


class PeriodChoicePublic(BaseModel):
    """One withdrawal period and where it comes from."""

    period: str
    provisional: bool
    source: str
    row: str


class WithdrawalLookup(BaseModel):
    """The withdrawal periods per animal product for a drug given to a species."""

    matched: bool
    periods: dict[str, list[PeriodChoicePublic]]


class ReferenceEntryCreated(BaseModel):
    """A stored label entry."""

    id: int
    kind: str
    data: dict[str, Any]


class ReferenceEntryRetired(BaseModel):
    """A label entry that stopped applying."""

    id: int
    retired: bool


class ResolutionIn(BaseModel):
    """A regulator's or expert's resolution of an unverifiable input: exactly one of a name
    mapping, a label PHI row or a label withdrawal row."""

    model_config = ConfigDict(extra="forbid")

    mapping: NameMapping | None = None
    phi: PhiRow | None = None
    withdrawal: WithdrawalRow | None = None

    @model_validator(mode="after")
    def _one(self) -> "ResolutionIn":
        if sum(x is not None for x in (self.mapping, self.phi, self.withdrawal)) != 1:
            raise ValueError("give exactly one of mapping, phi, withdrawal")
        return self
