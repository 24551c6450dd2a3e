"""Name resolution: width, punctuation, mixtures, aliases, crop prefixes; the loader refuses a
row without a source."""

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloud.reference.catalog import Catalog, load_catalog
from cloud.reference.loader import DATA_DIR, ReferenceDataError, load_files
from cloud.reference.lookup import banned, resolve_phi
from cloud.reference.names import mixture_parts, name_key


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def test_trade_and_old_names_resolve(cat: Catalog) -> None:
    for alias, canonical in [
        ("呋喃丹", "克百威"),
        ("氧化乐果", "氧乐果"),
        ("1605", "对硫磷"),
        ("3911", "甲拌磷"),
        ("乐斯本", "毒死蜱"),
        ("１６０５", "对硫磷"),
    ]:
        assert cat.ingredient(alias) == canonical


def test_mixtures_split_and_abbreviations_resolve(cat: Catalog) -> None:
    assert cat.ingredients(["阿维·毒死蜱"]) == ("阿维菌素", "毒死蜱")
    assert cat.ingredients(["吡虫啉+毒死蜱"])[1] == "毒死蜱"
    assert cat.ingredients(["2,4-滴丁酯"]) == ("2,4-滴丁酯",)  # a comma between digits is a name


def test_an_abbreviation_never_names_a_banned_substance(cat: Catalog) -> None:
    # "2,4-滴" is the registered herbicide family (its salts and 异辛酯); only 2,4-滴丁酯 is
    # banned. A prefix unique among our names is not unique among pesticides: it stays
    # unresolved (unknown_input, the lot held) instead of becoming an accusation.
    assert cat.ingredients(["2,4-滴"]) == ("24滴",)
    assert cat.ingredients(["百草"]) == ("百草",)  # not 百草枯
    assert cat.ingredients(["2,4-滴丁酯"]) == ("2,4-滴丁酯",)  # as written, it is the ban
    assert cat.ingredients(["阿维"]) == ("阿维菌素",)  # not banned: the abbreviation stands


def test_a_stored_mapping_never_repoints_a_name_the_files_define() -> None:
    from cloud.reference.catalog import build_catalog
    from cloud.reference.model import NameMapping

    files = load_files(DATA_DIR)
    rogue = NameMapping(kind="ingredient", name="甲胺磷", to="吡虫啉", source="label:PD1")
    fresh = NameMapping(kind="ingredient", name="阿维虫清", to="阿维菌素", source="label:PD2")
    cat = build_catalog(files, mappings=[rogue, fresh])
    assert cat.ingredient("甲胺磷") == "甲胺磷"
    assert cat.ingredient("阿维虫清") == "阿维菌素"


def test_crop_names_as_written(cat: Catalog) -> None:
    crops = cat.crops
    assert crops.resolve("大棚黄瓜") == "黄瓜"
    assert crops.resolve("番茄（大棚）") == "番茄"
    assert crops.resolve("日光温室 西红柿") == "番茄"
    assert crops.within("油麦菜", ["蔬菜"])
    assert crops.within("油菜", ["蔬菜"])
    assert crops.within("油菜", ["油料"])
    assert crops.resolve("怪叶菜") is None


def test_unknown_crop_is_conservatively_inside_a_scoped_ban(cat: Catalog) -> None:
    from datetime import date

    [hit] = banned(cat, ("毒死蜱",), cat.crops.canonical("怪叶菜"), date(2026, 1, 1))
    assert hit.unresolved
    [known] = banned(cat, ("毒死蜱",), "油麦菜", date(2026, 1, 1))
    assert not known.unresolved
    assert banned(cat, ("毒死蜱",), "小麦", date(2026, 1, 1)) == []


def test_a_parent_crop_takes_the_strictest_child_row(cat: Catalog) -> None:
    res = resolve_phi(cat, ("稻瘟灵",), "水稻")
    assert (res.phi_days, res.choices[0].level) == (28, "children")
    assert resolve_phi(cat, ("稻瘟灵",), "早稻").phi_days == 14


_SEP = st.sampled_from(["·", "•", "+", "＋", "/", "、", "，", ";"])
_NAME = st.sampled_from(["毒死蜱", "阿维菌素", "吡虫啉", "灭多威", "2,4-滴丁酯"])


@given(st.lists(_NAME, min_size=1, max_size=4), _SEP)
def test_mixture_parts_round_trip(names: list[str], sep: str) -> None:
    parts = mixture_parts(sep.join(names))
    assert [name_key(p) for p in parts] == [name_key(n) for n in names]


@given(st.text(min_size=1, max_size=20))
def test_name_key_ignores_width_and_spacing(text: str) -> None:
    import unicodedata

    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    assert name_key(wide) == name_key(unicodedata.normalize("NFKC", text))
    assert name_key(f" {text} ") == name_key(text)


def test_the_loader_refuses_a_row_without_a_source(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    bans = data / "bans.yaml"
    bans.write_text(
        bans.read_text("utf-8")
        + "  - {id: NO-SOURCE, substances: [某农药], scope: all, notice: 无}\n",
        "utf-8",
    )
    with pytest.raises(ReferenceDataError, match="NO-SOURCE"):
        load_files(data)
    aliases = data / "ingredients.yaml"
    shutil.copy(DATA_DIR / "bans.yaml", bans)
    aliases.write_text(
        aliases.read_text("utf-8").replace("toxicity: []", "")
        + "  - {alias: 某商品名, ingredient: 毒死蜱}\ntoxicity: []\n",
        "utf-8",
    )
    with pytest.raises(ReferenceDataError, match="某商品名"):
        load_files(data)


def test_every_seeded_row_is_sourced_and_every_prohibited_drug_names_its_notice() -> None:
    files = load_files()
    assert all(d.notice for d in files.withdrawal.banned_drugs)
    assert all(b.source in files.sources.sources for b in files.bans.bans)
