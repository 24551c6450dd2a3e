"""Pure look-ups over the catalogue, with the precedence of protocol-v1.md "Rule semantics".

PHI: a registration number beats an active ingredient; a row for the exact crop beats a group
row (the nearest group beats a broader one); a missing or unmatched formulation takes the most
restrictive matching row; a tank mix is resolved per ingredient and the caller takes the most
restrictive. Withdrawal: the exact drug name beats the longest row name contained in it; every
matching row counts (the most restrictive blocks); banned ingredients prohibit every product.
"""

from dataclasses import dataclass
from datetime import date

from agrisafe.protocol import AnimalProduct, Species
from cloud.reference.catalog import ART34_SCOPE, Catalog, WithdrawalEntry
from cloud.reference.model import Ban, Period, PhiRow, normalise
from cloud.reference.names import name_key


@dataclass(frozen=True, slots=True)
class PhiChoice:
    """The PHI (and max applications) that applies to one ingredient of an input."""

    ingredient: str
    phi_days: int
    max_per_season: int | None
    rows: tuple[str, ...]
    sources: tuple[str, ...]
    level: str  # "reg_no", "crop", "group" or "children" (strictest row of the crops below)


@dataclass(frozen=True, slots=True)
class PhiResolution:
    """Per-ingredient choices and the ingredients nothing resolves for."""

    choices: tuple[PhiChoice, ...]
    unresolved: tuple[str, ...]

    @property
    def phi_days(self) -> int | None:
        """Tank mix: the most restrictive (longest) interval; None if nothing resolved."""
        return max((c.phi_days for c in self.choices), default=None)


CHILD = -2  # distance marker: no row for the crop or its groups, only for crops below it


def _closest_rows(cat: Catalog, rows: list[PhiRow], crop: str) -> tuple[list[PhiRow], int]:
    ancestors = cat.crops.ancestors(crop)
    ranked: list[tuple[int, PhiRow]] = []
    for row in rows:
        distance = ancestors.get(cat.crops.canonical(row.crop))
        if distance is not None:
            ranked.append((distance, row))
    if not ranked:
        # A parent (水稻) with rows only for its members (早稻 / 晚稻): every child row counts
        # and the caller takes the strictest, since the harvest may be any of them.
        below = cat.crops.descendants(crop)
        children = [r for r in rows if cat.crops.canonical(r.crop) in below]
        return (children, CHILD) if children else ([], -1)
    best = min(d for d, _ in ranked)
    return [r for d, r in ranked if d == best], best


def _by_formulation(rows: list[PhiRow], formulation: str | None) -> list[PhiRow]:
    if formulation:
        wanted = normalise(formulation)
        matched = [r for r in rows if r.formulation and normalise(r.formulation) == wanted]
        if matched:
            return matched
    return rows  # missing or unmatched: every row counts, the most restrictive wins


def _label_names(rows: list[PhiRow], reg_no: str) -> tuple[str, ...]:
    found = sorted({r.ingredient for r in rows if r.ingredient})
    return tuple(found) or (reg_no,)


def _choice(ingredient: str, rows: list[PhiRow], level: str) -> PhiChoice:
    maxima = [r.max_per_season for r in rows if r.max_per_season is not None]
    return PhiChoice(
        ingredient=ingredient,
        phi_days=max(r.phi_days for r in rows),
        max_per_season=min(maxima) if maxima else None,
        rows=tuple(r.id for r in rows),
        sources=tuple(sorted({r.source for r in rows})),
        level=level,
    )


def resolve_phi(
    cat: Catalog,
    ingredients: tuple[str, ...],
    crop: str,
    *,
    reg_no: str | None = None,
    formulation: str | None = None,
) -> PhiResolution:
    """PHI per canonical ingredient of an input on a canonical crop."""
    if reg_no:
        rows, distance = _closest_rows(cat, cat.phi_by_reg_no.get(normalise(reg_no), []), crop)
        if rows:
            rows = _by_formulation(rows, formulation)
            # A label row covers the whole product: every ingredient gets its interval. Asked
            # by registration number alone, the product's own ingredients (or its number) name it.
            names = ingredients or _label_names(rows, reg_no)
            return PhiResolution(tuple(_choice(i, rows, "reg_no") for i in names), ())
    choices: list[PhiChoice] = []
    unresolved: list[str] = []
    for ingredient in ingredients:
        rows, distance = _closest_rows(cat, cat.phi_by_ingredient.get(ingredient, []), crop)
        if not rows:
            unresolved.append(ingredient)
            continue
        rows = _by_formulation(rows, formulation)
        level = {0: "crop", CHILD: "children"}.get(distance, "group")
        choices.append(_choice(ingredient, rows, level))
    return PhiResolution(tuple(choices), tuple(unresolved))


@dataclass(frozen=True, slots=True)
class BanHit:
    """An ingredient banned for a crop on a date, and by what."""

    ingredient: str
    ban_id: str
    notice: str
    source: str
    effective_from: date | None
    unresolved: bool = False  # the crop is not known to be inside the scope, but might be


def in_force(ban: Ban, day: date) -> bool:
    """Ban dates apply from the start of effective_from (inclusive) to effective_to (exclusive)."""
    if ban.effective_from is not None and day < ban.effective_from:
        return False
    return ban.effective_to is None or day < ban.effective_to


def banned(cat: Catalog, ingredients: tuple[str, ...], crop: str, day: date) -> list[BanHit]:
    """Bans that hit any ingredient on this crop on this (site-calendar) day."""
    hits: list[BanHit] = []
    for ingredient in ingredients:
        for ban in cat.bans_by_substance.get(ingredient, ()):
            if not in_force(ban, day):
                continue
            unresolved = False
            if ban.scope != "all":
                scope = [cat.crops.canonical(s) for s in ban.scope]
                if not cat.crops.within(crop, scope):
                    if not cat.crops.might_be_within(crop, scope):
                        continue
                    unresolved = True
            hit = BanHit(ingredient, ban.id, ban.notice, ban.source, ban.effective_from, unresolved)
            hits.append(hit)
        toxicity = cat.toxic.get(ingredient)
        if toxicity is not None and cat.crops.within(crop, ART34_SCOPE):
            hits.append(
                BanHit(ingredient, f"ART34-{toxicity}", "农药管理条例 Art.34", "ART34", None)
            )
    return hits


@dataclass(frozen=True, slots=True)
class PeriodChoice:
    """One period that applies to (drug, species, product), with where it comes from."""

    period: Period
    provisional: bool
    source: str
    drug: str


@dataclass(frozen=True, slots=True)
class WithdrawalResolution:
    """What is known about a drug for one species."""

    matched: bool  # some row (or a ban) names this drug for this species
    periods: dict[AnimalProduct, tuple[PeriodChoice, ...]]
    prohibited_by: tuple[str, ...] = ()  # banned ingredients the drug contains (250号 …)

    def for_product(self, product: AnimalProduct) -> tuple[PeriodChoice, ...]:
        """Every period for this product (empty: unknown, cannot be checked)."""
        return self.periods.get(product, ())


def _drug_rows(cat: Catalog, drug: str) -> list[WithdrawalEntry]:
    key = name_key(drug)
    exact = cat.withdrawal_by_drug.get(key)
    if exact:
        return exact
    contained = [name for name in cat.withdrawal_by_drug if name in key]
    if not contained:
        return []
    longest = max(len(n) for n in contained)
    out: list[WithdrawalEntry] = []
    for name in contained:
        if len(name) == longest:
            out.extend(cat.withdrawal_by_drug[name])
    return out


def resolve_withdrawal(cat: Catalog, drug: str, species: Species) -> WithdrawalResolution:
    """Periods per animal product for a drug given to a species."""
    periods: dict[AnimalProduct, list[PeriodChoice]] = {p: [] for p in AnimalProduct}
    matched = False
    for entry in _drug_rows(cat, drug):
        if species not in entry.species:
            continue
        matched = True
        for product in AnimalProduct:
            period = entry.row.period(product)
            if period is not None:
                choice = PeriodChoice(
                    period, entry.row.provisional, entry.row.source, entry.row.drug
                )
                periods[product].append(choice)
    key = name_key(drug)
    prohibited_by: list[str] = []
    for ban in cat.banned_drugs:
        if name_key(ban.ingredient) in key:
            matched = True
            prohibited_by.append(ban.ingredient)
            for product in AnimalProduct:
                prohibited = Period(prohibited=True)
                periods[product].append(PeriodChoice(prohibited, False, ban.source, ban.ingredient))
    return WithdrawalResolution(
        matched, {p: tuple(v) for p, v in periods.items() if v}, tuple(prohibited_by)
    )


class Resolver:
    """Memoised look-ups over one catalogue (rules ask the same questions again and again)."""

    def __init__(self, cat: Catalog) -> None:
        self.cat = cat
        self._phi: dict[tuple[object, ...], PhiResolution] = {}
        self._wd: dict[tuple[str, Species], WithdrawalResolution] = {}
        self._limits: dict[tuple[str, str, str], bool] = {}

    def phi(
        self,
        ingredients: tuple[str, ...],
        crop: str,
        reg_no: str | None,
        formulation: str | None,
    ) -> PhiResolution:
        """`resolve_phi`, cached."""
        key = (ingredients, crop, reg_no, formulation)
        found = self._phi.get(key)
        if found is None:
            found = resolve_phi(self.cat, ingredients, crop, reg_no=reg_no, formulation=formulation)
            if len(self._phi) > 50_000:  # bounded: a flood of odd inputs must not grow memory
                self._phi.clear()
            self._phi[key] = found
        return found

    def withdrawal(self, drug: str, species: Species) -> WithdrawalResolution:
        """`resolve_withdrawal`, cached."""
        key = (drug, species)
        found = self._wd.get(key)
        if found is None:
            found = resolve_withdrawal(self.cat, drug, species)
            if len(self._wd) > 50_000:
                self._wd.clear()
            self._wd[key] = found
        return found

    def may_limit(self, ingredient: str, crop: str) -> bool:
        """True when some row (any precedence, any product) could cap applications of the
        ingredient on this crop per season; False lets max_applications skip its history."""
        key = ("max", ingredient, crop)
        found = self._limits.get(key)
        if found is None:
            ancestors = self.cat.crops.ancestors(crop)
            rows = list(self.cat.phi_by_ingredient.get(ingredient, ()))
            rows += [
                r
                for rs in self.cat.phi_by_reg_no.values()
                for r in rs
                if r.ingredient is not None and self.cat.ingredient(r.ingredient) == ingredient
            ]
            found = any(
                r.max_per_season is not None and self.cat.crops.canonical(r.crop) in ancestors
                for r in rows
            )
            self._limits[key] = found
        return found

    def banned(self, ingredients: tuple[str, ...], crop: str, day: date) -> list[BanHit]:
        """`banned` (cheap enough not to cache: a dict look-up per ingredient)."""
        return banned(self.cat, ingredients, crop, day)
