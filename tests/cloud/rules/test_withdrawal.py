"""withdrawal_violation: days, hours, degree-days, prohibitions, banned drugs, unknown periods."""

from collections.abc import Iterator

import pytest

from testkit.compliance import Bench, env


@pytest.fixture
def bench(database_url: str) -> Iterator[Bench]:
    b = Bench(database_url)
    yield b
    b.close()


def treat(ts: str, herd: str, species: str, drug: str, **body: object) -> dict[str, object]:
    return env("treatment", ts, {"herd": herd, "species": species, "drug": drug, **body})


def dispatch(ts: str, herd: str, species: str, product: str, lot: str) -> dict[str, object]:
    body = {"herd": herd, "species": species, "product": product, "lot": lot}
    return env("dispatch", ts, body)


def test_days_withdrawal_with_the_boundary_allowed(bench: Bench) -> None:
    t = treat("2026-05-01T09:00:00+08:00", "H1", "pig", "土霉素注射液")
    early = dispatch("2026-05-28T23:00:00+08:00", "H1", "pig", "meat", "P1")
    boundary = dispatch("2026-05-29T00:00:00+08:00", "H1", "pig", "meat", "P2")
    bench.send(t, early, boundary)
    [alert] = bench.of("withdrawal_violation")
    assert (alert.cause, alert.subject) == (t["id"], "herd:H1")
    assert alert.evidence == [t["id"], early["id"]]
    assert alert.detail["earliest_dispatch"] == "2026-05-29"


def test_a_withdrawal_in_hours_compares_instants(bench: Bench) -> None:
    t = treat("2026-05-01T08:00:00+08:00", "H2", "dairy_cow", "双甲脒溶液")
    bench.send(
        t,
        dispatch("2026-05-03T07:59:00+08:00", "H2", "dairy_cow", "milk", "M1"),
        dispatch("2026-05-03T08:00:00+08:00", "H2", "dairy_cow", "milk", "M2"),
    )
    [alert] = bench.of("withdrawal_violation")
    assert alert.detail["periods"]["milk"][0]["period"] == "48 h"
    assert len(alert.evidence) == 2


def test_a_drug_prohibited_for_eggs_blocks_eggs_for_good_but_not_meat(bench: Bench) -> None:
    t = treat("2026-05-01T08:00:00+08:00", "H3", "layer", "二硝托胺预混剂")
    eggs = dispatch("2026-09-01T08:00:00+08:00", "H3", "layer", "eggs", "E1")
    meat = dispatch("2026-05-05T08:00:00+08:00", "H3", "layer", "meat", "M1")  # 3 d: allowed
    bench.send(t, eggs, meat)
    [alert] = bench.of("withdrawal_violation")
    assert alert.evidence == [t["id"], eggs["id"]]
    assert alert.detail["periods"]["eggs"][0]["period"] == "prohibited"


def test_degree_days_for_fish_use_the_water_temperature(bench: Bench) -> None:
    t = treat("2026-05-01T08:00:00+08:00", "H4", "fish", "甲砜霉素散", water_temp_c=25.0)
    short = dispatch("2026-05-20T08:00:00+08:00", "H4", "fish", "meat", "F1")  # 19 × 25 = 475
    enough = dispatch("2026-05-21T08:00:00+08:00", "H4", "fish", "meat", "F2")  # 20 × 25 = 500
    bench.send(t, short, enough)
    [alert] = bench.of("withdrawal_violation")
    assert alert.evidence == [t["id"], short["id"]]
    assert alert.detail["water_temp_c"] == 25.0


def test_degree_days_without_a_temperature_cannot_be_checked(bench: Bench) -> None:
    t = treat("2026-05-01T08:00:00+08:00", "H4", "fish", "甲砜霉素散")
    d = dispatch("2026-05-10T08:00:00+08:00", "H4", "fish", "meat", "F1")
    bench.send(t, d)
    assert bench.rules_raised() == ["unknown_input"]
    assert bench.alerts[0].evidence == [t["id"], d["id"]]


def test_a_drug_banned_in_food_animals_is_prohibited_for_every_product(bench: Bench) -> None:
    t = treat("2026-05-01T08:00:00+08:00", "H1", "pig", "诺氟沙星可溶性粉")
    bench.send(t, dispatch("2027-01-01T08:00:00+08:00", "H1", "pig", "meat", "X1"))
    assert bench.rules_raised() == ["withdrawal_violation"]


def test_a_late_treatment_record_blocks_an_earlier_dispatch(bench: Bench) -> None:
    d = dispatch("2026-05-10T08:00:00+08:00", "H1", "pig", "meat", "P1")
    late = treat(
        "2026-05-01T09:00:00+08:00", "H1", "pig", "土霉素注射液", at="2026-05-12T08:00:00+08:00"
    )
    bench.send(d, late)
    [alert] = bench.of("withdrawal_violation")
    assert alert.cause == late["id"]


def test_an_unknown_drug_is_unknown_input_on_the_treatment(bench: Bench) -> None:
    t = treat("2026-05-01T08:00:00+08:00", "H1", "pig", "恩诺沙星注射液")
    bench.send(t)
    [alert] = bench.of("unknown_input")
    assert (alert.subject, alert.cause, alert.severity.value) == ("herd:H1", t["id"], "minor")
