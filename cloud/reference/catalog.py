"""The compiled reference catalogue: files + admin label entries, cross-checked and indexed.

Built once at start-up (a bad file stops the cloud with a message naming file and row) and
rebuilt when an admin adds a label entry. Immutable once built, so rule code may share it.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from agrisafe.protocol import Species
from agrisafe.protocol.species import CHINESE_SPECIES
from cloud.reference.crops import CropTable, CropTableError
from cloud.reference.loader import DATA_DIR, ReferenceDataError, ReferenceFiles, load_files
from cloud.reference.model import Ban, BannedDrug, NameMapping, PhiRow, WithdrawalRow, normalise
from cloud.reference.names import name_key, resolve_ingredients, resolve_part

FOOD_LAND_ANIMALS = frozenset(Species) - {Species.FISH}
# Names the reference files use beyond the protocol's 中文 map (agrisafe.protocol.species).
EXTRA_ANIMALS: dict[str, frozenset[Species]] = {
    "畜禽": FOOD_LAND_ANIMALS,
    "全部": frozenset(Species),
}
# 条例 Art.34: 剧毒/高毒 pesticides are banned on these groups (applied only to sourced classes).
ART34_SCOPE = ("蔬菜", "水果", "茶", "菌类", "中草药材", "水生植物")


def animals_to_species(names: Iterable[str]) -> frozenset[Species]:
    """Species covered by 中文 animal names; raises KeyError naming an unknown one."""
    out: set[Species] = set()
    for name in names:
        key = name.strip()
        found = EXTRA_ANIMALS.get(key) or CHINESE_SPECIES.get(key)
        if found is None:
            raise KeyError(key)
        out |= found
    return frozenset(out)


@dataclass(frozen=True)
class WithdrawalEntry:
    """A withdrawal row with its species resolved."""

    row: WithdrawalRow
    species: frozenset[Species]
    key: str  # normalised drug name


@dataclass
class Catalog:
    """Indexed reference data: what the rules look up."""

    version: str
    crops: CropTable
    phi_by_ingredient: dict[str, list[PhiRow]] = field(default_factory=dict)
    phi_by_reg_no: dict[str, list[PhiRow]] = field(default_factory=dict)
    bans_by_substance: dict[str, list[Ban]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # name key → canonical ingredient
    known_ingredients: dict[str, str] = field(default_factory=dict)  # name key → canonical
    banned_names: frozenset[str] = frozenset()  # never reached by an abbreviation (names.py)
    toxic: dict[str, str] = field(default_factory=dict)
    withdrawal_by_drug: dict[str, list[WithdrawalEntry]] = field(default_factory=dict)
    banned_drugs: list[BannedDrug] = field(default_factory=list)
    max_phi_days: int = 0
    max_withdrawal_days: int = 0
    label_entries: int = 0

    def ingredient(self, name: str) -> str:
        """Canonical ingredient name (aliases such as 功夫 resolved; unknown: its own key)."""
        found = resolve_part(name, self.aliases, self.known_ingredients, self.banned_names)
        return found or name_key(name)

    def ingredients(self, names: list[str]) -> tuple[str, ...]:
        """Canonical ingredients of an input's entries, mixtures ("阿维·毒死蜱") split."""
        return resolve_ingredients(names, self.aliases, self.known_ingredients, self.banned_names)[
            0
        ]


def _check_sources(files: ReferenceFiles) -> None:
    known = set(files.sources.sources)
    tagged: list[tuple[str, str]] = [(f"crops.yaml {n.name}", n.source) for n in files.crops.crops]
    tagged += [(f"phi.csv row {r.id}", r.source) for r in files.phi]
    tagged += [(f"bans.yaml {b.id}", b.source) for b in files.bans.bans]
    tagged += [(f"ingredients.yaml {a.alias}", a.source) for a in files.ingredients.aliases]
    tagged += [(f"ingredients.yaml {t.ingredient}", t.source) for t in files.ingredients.toxicity]
    tagged += [(f"withdrawal.yaml {w.drug}", w.source) for w in files.withdrawal.withdrawal]
    tagged += [(f"withdrawal.yaml {b.ingredient}", b.source) for b in files.withdrawal.banned_drugs]
    for where, source in tagged:
        if source not in known:
            raise ReferenceDataError(f"{where}: unknown source {source!r} (see sources.yaml)")


def _check_superseded(files: ReferenceFiles) -> None:
    ids = {b.id for b in files.bans.bans}
    for ban in files.bans.bans:
        if ban.superseded_by is not None and ban.superseded_by not in ids:
            raise ReferenceDataError(
                f"bans.yaml {ban.id}: superseded_by {ban.superseded_by!r} is not a ban id"
            )


def _index_phi(cat: Catalog, rows: Iterable[PhiRow], where: str) -> None:
    seen: set[str] = set()
    for row in rows:
        if row.id in seen:
            raise ReferenceDataError(f"{where}: row id {row.id!r} is used twice")
        seen.add(row.id)
        if cat.crops.resolve(row.crop) is None:
            raise ReferenceDataError(f"{where} row {row.id}: crop {row.crop!r} not in crops.yaml")
        if row.reg_no is not None:
            cat.phi_by_reg_no.setdefault(normalise(row.reg_no), []).append(row)
        elif row.ingredient is not None:
            cat.phi_by_ingredient.setdefault(cat.ingredient(row.ingredient), []).append(row)
        cat.max_phi_days = max(cat.max_phi_days, row.phi_days)


def _index_withdrawal(cat: Catalog, rows: Iterable[WithdrawalRow], where: str) -> None:
    for row in rows:
        try:
            species = animals_to_species(row.animals) | frozenset(row.species)
        except KeyError as err:
            raise ReferenceDataError(
                f"{where} {row.drug}: unknown animal {err.args[0]!r} (use 牛, 羊, 猪, 鸡, 禽 …)"
            ) from None
        key = name_key(row.drug)
        cat.withdrawal_by_drug.setdefault(key, []).append(WithdrawalEntry(row, species, key))
        # `key` compares names without width, spaces or punctuation (see cloud.reference.names)
        for period in (row.meat, row.milk, row.eggs):
            if period is not None and period.days is not None:
                cat.max_withdrawal_days = max(cat.max_withdrawal_days, period.days)
            if period is not None and period.hours is not None:
                cat.max_withdrawal_days = max(cat.max_withdrawal_days, -(-period.hours // 24))


def known_name(cat: Catalog, m: NameMapping) -> str | None:
    """What the name of a mapping already means in the catalogue (as written or as an alias),
    or None: a mapping resolves a name the reference data did not know."""
    if m.kind == "crop":
        return cat.crops.resolve(m.name)
    key = name_key(m.name)
    return cat.aliases.get(key) or cat.known_ingredients.get(key)


def _apply_mappings(cat: Catalog, mappings: Iterable[NameMapping]) -> None:
    files_know = {
        name_key(m.name) for m in mappings if m.kind == "ingredient" and known_name(cat, m)
    }
    for m in mappings:
        if m.kind == "crop":
            try:
                cat.crops.add_synonym(m.name, m.to)
            except CropTableError as err:
                raise ReferenceDataError(f"name mapping {m.name!r}: {err}") from err
        elif name_key(m.name) not in files_know:
            # A stored mapping never re-points a name the files define (甲胺磷 → anything would
            # switch a national ban off): the files win, even over an entry stored before a
            # data update added the name.
            cat.aliases[name_key(m.name)] = cat.ingredient(m.to)


def build_catalog(
    files: ReferenceFiles,
    label_phi: Iterable[PhiRow] = (),
    label_withdrawal: Iterable[WithdrawalRow] = (),
    mappings: Iterable[NameMapping] = (),
) -> Catalog:
    """Cross-check the files and index them, adding admin label entries."""
    try:
        crops = CropTable(files.crops.crops)
    except CropTableError as err:
        raise ReferenceDataError(f"crops.yaml: {err}") from err
    _check_sources(files)
    label_phi, label_withdrawal = list(label_phi), list(label_withdrawal)
    cat = Catalog(version=files.sources.version, crops=crops)
    cat.aliases = {name_key(a.alias): normalise(a.ingredient) for a in files.ingredients.aliases}
    names = [a.ingredient for a in files.ingredients.aliases]
    names += [r.ingredient for r in (*files.phi, *label_phi) if r.ingredient is not None]
    names += [s for b in files.bans.bans for s in b.substances]
    cat.known_ingredients = {name_key(n): normalise(n) for n in names}
    cat.banned_names = frozenset(normalise(s) for b in files.bans.bans for s in b.substances)
    _check_superseded(files)
    cat.toxic = {cat.ingredient(t.ingredient): t.toxicity for t in files.ingredients.toxicity}
    _index_phi(cat, files.phi, "phi.csv")
    _index_phi(cat, label_phi, "label entry")
    by_substance: dict[str, list[Ban]] = defaultdict(list)
    for ban in files.bans.bans:
        if ban.superseded_by is not None:
            continue  # history: replaced by a later list's row
        if ban.scope != "all":
            for name in ban.scope:
                if crops.resolve(name) is None:
                    raise ReferenceDataError(
                        f"bans.yaml {ban.id}: scope {name!r} not in crops.yaml"
                    )
        for substance in ban.substances:
            by_substance[cat.ingredient(substance)].append(ban)
    cat.bans_by_substance = dict(by_substance)
    _index_withdrawal(cat, files.withdrawal.withdrawal, "withdrawal.yaml")
    _index_withdrawal(cat, label_withdrawal, "label entry")
    cat.banned_drugs = list(files.withdrawal.banned_drugs)
    mappings = list(mappings)
    _apply_mappings(cat, mappings)
    cat.label_entries = len(label_phi) + len(label_withdrawal) + len(mappings)
    if cat.label_entries:
        cat.version = f"{cat.version}+labels.{cat.label_entries}"
    return cat


def load_catalog(data_dir: Path = DATA_DIR) -> Catalog:
    """The packaged (or given) reference data, validated and indexed."""
    return build_catalog(load_files(data_dir))
