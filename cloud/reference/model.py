"""Rows of the reference data (YAML / CSV files and admin label entries), validated with pydantic.

Every row carries a `source`: the id of an entry in `sources.yaml`, or for an admin label entry
the label itself (`label:PD20080001`, a URL …). Models forbid unknown keys so a misspelt column
is an error naming the file and the row, not a silently ignored value.
"""

from datetime import date
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from agrisafe.config import StrictModel
from agrisafe.protocol import AnimalProduct, Species

Name = Annotated[str, Field(min_length=1, max_length=128)]


@lru_cache(maxsize=65_536)
def normalise(text: str) -> str:
    """Compare names and formulations the same way: no spaces, half-width, upper case."""
    out = text.strip().replace("％", "%").replace("（", "(").replace("）", ")")
    return "".join(out.split()).upper()


class _Row(StrictModel):
    model_config = ConfigDict(str_strip_whitespace=True)  # and StrictModel's: merged


class Source(_Row):
    """Where values come from (domain-facts.md, a notice, a label)."""

    title: str = Field(min_length=1, description="what the source is")
    url: str = Field(min_length=1, description="URL, repository path or notice id")
    notice: str | None = Field(default=None, description="notice number (公告第N号), if one")
    published: date | None = Field(default=None, description="date of the notice, where known")


class SourcesFile(_Row):
    """`sources.yaml`: the data version and the source catalogue."""

    version: str = Field(min_length=1, description="version of the reference data files")
    sources: dict[str, Source] = Field(description="source id → source")


class CropNode(_Row):
    """A crop or a crop group of the canonical crop table."""

    name: Name = Field(description="canonical Chinese name")
    group: bool = Field(default=False, description="a group (蔬菜, 果树 …) rather than a crop")
    parents: list[Name] = Field(default_factory=list, description="groups this node belongs to")
    synonyms: list[Name] = Field(default_factory=list, description="other names (柑桔 = 柑橘)")
    source: Name = Field(description="source id")


class CropsFile(_Row):
    """`crops.yaml`."""

    crops: list[CropNode] = Field(description="crop and group nodes")


class PhiRow(_Row):
    """安全间隔期 and max applications for an ingredient (or a registered product) on a crop."""

    id: Name = Field(description="row id, unique")
    ingredient: Name | None = Field(default=None, description="active ingredient (有效成分)")
    reg_no: Name | None = Field(default=None, description="登记证号 of a label entry, e.g. PD…")
    product: Name | None = Field(default=None, description="product name (label entries)")
    formulation: str | None = Field(default=None, description="剂型 and content, e.g. 1.8% EC")
    crop: Name = Field(description="crop or crop group name from the crop table")
    target: str | None = Field(default=None, description="pest or disease the row is for")
    max_per_season: int | None = Field(
        default=None, ge=1, description="每季作物最多使用次数; empty = no numeric maximum"
    )
    phi_days: int = Field(ge=0, le=3650, description="安全间隔期 in days")
    source: Name = Field(description="source id or label reference")
    note: str | None = Field(default=None, description="free text")

    @field_validator("formulation", "target", "note", "reg_no", "product", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("max_per_season", mode="before")
    @classmethod
    def _empty_max(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _keyed(self) -> "PhiRow":
        if self.ingredient is None and self.reg_no is None:
            raise ValueError("a PHI row needs an ingredient or a reg_no")
        return self


class Ban(_Row):
    """A banned (scope all) or partly banned (crop-group scope) pesticide, with dates."""

    id: Name = Field(description="row id, unique")
    substances: list[Name] = Field(min_length=1, description="active ingredients")
    scope: Literal["all"] | list[Name] = Field(description="'all' or crop-table names")
    effective_from: date | None = Field(
        default=None, description="first day in force (site calendar); empty = always"
    )
    effective_to: date | None = Field(default=None, description="first day no longer in force")
    notice: str = Field(min_length=1, description="the notice (公告) that bans it")
    source: Name = Field(description="source id")
    note: str | None = Field(default=None, description="free text")
    superseded_by: Name | None = Field(
        default=None, description="id of the row of a later list that replaced it (not applied)"
    )

    @model_validator(mode="after")
    def _dates(self) -> "Ban":
        if self.effective_from and self.effective_to and self.effective_to <= self.effective_from:
            raise ValueError("effective_to must be after effective_from")
        return self


class BansFile(_Row):
    """`bans.yaml`."""

    bans: list[Ban] = Field(description="banned and partly banned pesticides")


class IngredientAlias(_Row):
    """Another name (trade name) of an active ingredient."""

    alias: Name = Field(description="name used on products or by farmers")
    ingredient: Name = Field(description="canonical ingredient name")
    source: Name = Field(description="source id")


class Toxicity(_Row):
    """A sourced toxicity class: feeds the 条例 Art.34 scope ban."""

    ingredient: Name = Field(description="canonical ingredient name")
    toxicity: Literal["剧毒", "高毒"] = Field(description="toxicity class")
    source: Name = Field(description="source id")


class IngredientsFile(_Row):
    """`ingredients.yaml`."""

    aliases: list[IngredientAlias] = Field(default_factory=list, description="aliases")
    toxicity: list[Toxicity] = Field(default_factory=list, description="sourced classes")


class Period(_Row):
    """One withdrawal period: days, hours, degree-days, or a prohibition."""

    days: int | None = Field(default=None, ge=0, le=3650, description="calendar days")
    hours: int | None = Field(default=None, ge=0, le=87600, description="hours (instants)")
    degree_days: int | None = Field(default=None, ge=0, description="water °C × days (fish)")
    prohibited: bool = Field(default=False, description="禁用: no product may be sold")

    @model_validator(mode="after")
    def _exactly_one(self) -> "Period":
        given = [self.days, self.hours, self.degree_days]
        count = sum(v is not None for v in given) + int(self.prohibited)
        if count != 1:
            raise ValueError("give exactly one of days, hours, degree_days or prohibited: true")
        return self

    def describe(self) -> str:
        """Short text for alerts and pages, e.g. '48 h'."""
        if self.prohibited:
            return "prohibited"
        if self.days is not None:
            return f"{self.days} d"
        if self.hours is not None:
            return f"{self.hours} h"
        return f"{self.degree_days} degree-days"


class WithdrawalRow(_Row):
    """休药期 of a drug product for some species, per animal product."""

    drug: Name = Field(description="product name as on the label / in 278")
    animals: list[Name] = Field(default_factory=list, description="中文 species names (牛, 禽 …)")
    species: list[Species] = Field(default_factory=list, description="English species")
    meat: Period | None = Field(default=None, description="slaughter withdrawal")
    milk: Period | None = Field(default=None, description="弃奶期")
    eggs: Period | None = Field(default=None, description="弃蛋期")
    provisional: bool = Field(default=False, description="暂定 value")
    source: Name = Field(description="source id or label reference")
    note: str | None = Field(default=None, description="free text")

    @model_validator(mode="after")
    def _complete(self) -> "WithdrawalRow":
        if not self.animals and not self.species:
            raise ValueError("name the animals (中文) or the species")
        if self.meat is None and self.milk is None and self.eggs is None:
            raise ValueError("give at least one of meat, milk, eggs")
        return self

    def period(self, product: AnimalProduct) -> Period | None:
        """The period for one animal product, if the row gives one."""
        return {
            AnimalProduct.MEAT: self.meat,
            AnimalProduct.MILK: self.milk,
            AnimalProduct.EGGS: self.eggs,
        }[product]


class BannedDrug(_Row):
    """An active ingredient banned in food animals."""

    ingredient: Name = Field(description="matched as a part of the treatment's drug name")
    source: Name = Field(description="source id")
    notice: str | None = Field(default=None, description="the notice that prohibits it")
    note: str | None = Field(default=None, description="free text")


class WithdrawalFile(_Row):
    """`withdrawal.yaml`."""

    withdrawal: list[WithdrawalRow] = Field(description="withdrawal rows")
    banned_drugs: list[BannedDrug] = Field(default_factory=list, description="banned in animals")


class NameMapping(_Row):
    """A regulator's or expert's resolution of a name the reference data did not know: an
    ingredient name (trade name, misspelling) → a canonical ingredient, or a crop name → a crop
    of the crop table. Stored as a reference entry, audited, and applied on the next evaluation."""

    kind: Literal["ingredient", "crop"] = Field(description="what the name is")
    name: Name = Field(description="the name as written on records")
    to: Name = Field(description="canonical ingredient, or a crop / group of the crop table")
    source: Name = Field(description="why: a label, notice or URL ('label:PD…', 'https://…')")
    note: str | None = Field(default=None, description="free text")
