"""Reference data: every shipped row is sourced and valid; bad files name file and row; the
look-up precedence of protocol-v1.md."""

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from agrisafe.protocol import AnimalProduct, Species
from cloud.reference import Catalog, ReferenceDataError, build_catalog, load_catalog, load_files
from cloud.reference.loader import DATA_DIR
from cloud.reference.lookup import banned, resolve_phi, resolve_withdrawal
from cloud.reference.model import PhiRow, WithdrawalRow


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def test_every_row_names_a_known_source() -> None:
    files = load_files()
    known = set(files.sources.sources)
    sources = [
        *(r.source for r in files.crops.crops),
        *(r.source for r in files.phi),
        *(r.source for r in files.bans.bans),
        *(r.source for r in files.ingredients.aliases),
        *(r.source for r in files.withdrawal.withdrawal),
        *(r.source for r in files.withdrawal.banned_drugs),
    ]
    assert len(sources) > 100
    assert set(sources) <= known


def test_ranges_and_unverified_values_are_not_seeded(cat: Catalog) -> None:
    # domain-facts.md: 氯氰菊酯 (2–5 d, a range), 吡虫啉, 恩诺沙星 … are not rules.
    assert "氯氰菊酯" not in cat.phi_by_ingredient
    assert "吡虫啉" not in cat.phi_by_ingredient
    assert not any("恩诺沙星" in k for k in cat.withdrawal_by_drug)


def test_crop_synonyms_and_groups(cat: Catalog) -> None:
    crops = cat.crops
    assert crops.resolve("柑桔") == crops.resolve("柑橘") == "柑橘"
    assert crops.resolve("西红柿") == "番茄"
    assert crops.ancestors("白菜")["叶菜"] == 1
    assert crops.ancestors("白菜")["蔬菜"] == 2
    assert crops.within("黄瓜", ["蔬菜"])
    assert not crops.within("小麦", ["蔬菜", "水果", "茶"])


def test_exact_crop_beats_group_and_formulation_narrows(cat: Catalog) -> None:
    cucumber = resolve_phi(cat, ("阿维菌素",), "黄瓜", formulation="1.8% EC")
    assert (cucumber.phi_days, cucumber.choices[0].level) == (2, "crop")
    cabbage = resolve_phi(cat, ("阿维菌素",), "白菜")  # only the 叶菜 group row applies
    assert (cabbage.phi_days, cabbage.choices[0].level) == (7, "group")
    sp = resolve_phi(cat, ("啶虫脒",), "黄瓜", formulation="20%SP")
    assert sp.phi_days == 1
    # Missing or unmatched formulation: the most restrictive matching row.
    assert resolve_phi(cat, ("啶虫脒",), "黄瓜").phi_days == 2
    assert resolve_phi(cat, ("啶虫脒",), "黄瓜", formulation="5% ME").phi_days == 2


def test_tank_mix_takes_the_longest_and_reports_what_is_unknown(cat: Catalog) -> None:
    mix = resolve_phi(cat, ("阿维菌素", "百菌清", "吡虫啉"), "黄瓜")
    assert mix.phi_days == 7  # 百菌清 on 蔬菜 (group) beats 阿维菌素's 2 days on 黄瓜
    assert mix.unresolved == ("吡虫啉",)


def test_a_label_registration_number_beats_the_ingredient(cat: Catalog) -> None:
    label = PhiRow(
        id="L1",
        reg_no="PD20990001",
        ingredient="阿维菌素",
        crop="黄瓜",
        phi_days=5,
        max_per_season=2,
        source="label:PD20990001",
    )
    files = load_files()
    with_label = build_catalog(files, [label])
    res = resolve_phi(with_label, ("阿维菌素",), "黄瓜", reg_no="PD20990001")
    assert (res.phi_days, res.choices[0].level) == (5, "reg_no")
    other = resolve_phi(with_label, ("阿维菌素",), "黄瓜", reg_no="PD00000000")
    assert other.phi_days == 2


def test_ban_dates_and_crop_scope(cat: Catalog) -> None:
    assert banned(cat, ("甲拌磷",), "小麦", date(2024, 8, 31)) == []
    assert [h.ban_id for h in banned(cat, ("甲拌磷",), "小麦", date(2024, 9, 1))] == ["BAN-536"]
    # The 2019 名录 supersedes 199号 (narrower scope): the older row stays as history only.
    assert [h.ban_id for h in banned(cat, ("甲拌磷",), "黄瓜", date(2020, 1, 1))] == [
        "MARA-2019-HIGH-TOX"
    ]
    assert banned(cat, ("氧乐果",), "小麦", date(2026, 5, 31)) == []
    assert banned(cat, ("氧乐果",), "小麦", date(2026, 6, 1))
    assert banned(cat, ("乐果",), "小麦", date(2026, 5, 1)) == []  # 2552号 scope is not grain
    assert banned(cat, ("乐果",), "黄瓜", date(2019, 8, 1))
    assert banned(cat, ("乐果",), "黄瓜", date(2019, 7, 31)) == []
    assert banned(cat, ("乐斯本",), "黄瓜", date(2026, 1, 1)) == []  # alias needs resolving first
    assert banned(cat, (cat.ingredient("乐斯本"),), "黄瓜", date(2026, 1, 1))


def test_withdrawal_periods_by_species_and_product(cat: Catalog) -> None:
    cow = resolve_withdrawal(cat, "双甲脒溶液", Species.DAIRY_COW)
    assert cow.for_product(AnimalProduct.MILK)[0].period.hours == 48
    goat = resolve_withdrawal(cat, "双甲脒溶液", Species.GOAT)
    assert goat.for_product(AnimalProduct.MILK)[0].period.prohibited
    layer = resolve_withdrawal(cat, "二硝托胺预混剂", Species.LAYER)
    assert layer.for_product(AnimalProduct.EGGS)[0].period.prohibited
    assert layer.for_product(AnimalProduct.MEAT)[0].period.days == 3
    fish = resolve_withdrawal(cat, "甲砜霉素散", Species.FISH)
    assert fish.for_product(AnimalProduct.MEAT)[0].period.degree_days == 500
    provisional = resolve_withdrawal(cat, "甲砜霉素 5%", Species.PIG)
    assert provisional.for_product(AnimalProduct.MEAT)[0].provisional
    longer = resolve_withdrawal(cat, "土霉素注射液(长效)", Species.PIG)  # longest contained name
    assert longer.for_product(AnimalProduct.MEAT)[0].period.days == 28
    banned_drug = resolve_withdrawal(cat, "诺氟沙星可溶性粉", Species.BROILER)
    assert all(c.period.prohibited for p in AnimalProduct for c in banned_drug.for_product(p))
    assert not resolve_withdrawal(cat, "恩诺沙星注射液", Species.PIG).matched


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_a_bad_csv_row_names_the_file_line_and_field(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    phi = data / "phi.csv"
    phi.write_text(phi.read_text("utf-8") + "X1,某药,,黄瓜,,,-3,A,\n", "utf-8")
    with pytest.raises(ReferenceDataError, match=r"phi.csv: line \d+ \(row X1\): phi_days"):
        load_files(data)


def test_an_unknown_source_or_crop_is_refused(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    bans = data / "bans.yaml"
    doc = yaml.safe_load(bans.read_text("utf-8"))
    doc["bans"][0]["source"] = "NOWHERE"
    bans.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    with pytest.raises(ReferenceDataError, match=r"bans\.yaml BAN-2019-LIST: unknown source"):
        build_catalog(load_files(data))
    doc["bans"][0]["source"] = "BAN-LIST"
    doc["bans"][0]["scope"] = ["火星菜"]
    bans.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    with pytest.raises(ReferenceDataError, match=r"scope .火星菜. not in crops\.yaml"):
        build_catalog(load_files(data))


def test_a_withdrawal_row_needs_exactly_one_kind_of_period(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        WithdrawalRow.model_validate(
            {"drug": "X", "animals": ["猪"], "meat": {"days": 3, "hours": 4}, "source": "P"}
        )
    data = _copy(tmp_path)
    wd = data / "withdrawal.yaml"
    doc = yaml.safe_load(wd.read_text("utf-8"))
    doc["withdrawal"][2]["animals"] = ["龙"]
    wd.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    with pytest.raises(ReferenceDataError, match="unknown animal '龙'"):
        build_catalog(load_files(data))
