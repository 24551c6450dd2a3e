"""A lot an input leaves unchecked is never certified, whatever order the facts arrive in:
unknown products however old, crops the table cannot match, degree-days without a water
temperature, and late records that revoke a certificate already issued."""

from collections.abc import Iterator
from typing import Any

import pytest

from testkit.compliance import Bench, env, spray

ABAM_CITRUS = spray("P1", "柑桔", ["阿维菌素"], formulation="1.8% EC")  # 14 d on 柑桔


@pytest.fixture
def bench(database_url: str) -> Iterator[Bench]:
    b = Bench(database_url)
    yield b
    b.close()


def harvest(ts: str, lot: str, crop: str, plot: str = "P1") -> dict[str, Any]:
    return env("harvest", ts, {"plot": plot, "crop": crop, "lot": lot, "qty_kg": 100})


def cert(ts: str, lot: str, commodity: str = "x") -> dict[str, Any]:
    body = {"lot": lot, "commodity": commodity, "qty_kg": 10.0, "basis": ["control"]}
    return env("certificate_request", ts, body)


def decision(bench: Bench, lot: str) -> tuple[str, list[dict[str, Any]]]:
    [row] = [c for c in bench.certificates() if c["lot"] == lot]
    return row["status"], row["reasons"]


def test_a_crop_the_table_does_not_know_is_held_inside_the_sprays_window(bench: Bench) -> None:
    # 橘子 is not in the crop table: it may well be the 柑桔 sprayed the day before.
    app = env("input_use", "2026-05-01T08:00:00+08:00", ABAM_CITRUS)
    bench.send(
        app,
        harvest("2026-05-02T08:00:00+08:00", "L1", "橘子"),
        cert("2026-05-02T09:00:00+08:00", "L1"),
        harvest("2026-05-15T08:00:00+08:00", "L2", "橘子"),  # 14 d later: outside the window
        cert("2026-05-15T09:00:00+08:00", "L2"),
    )
    assert decision(bench, "L1") == (
        "refused",
        [{"reason": "unverified_input", "cause": app["id"]}],
    )
    assert decision(bench, "L2") == ("issued", [])
    assert bench.of("phi_violation") == []  # held for review, not an accusation


def test_a_spray_on_an_unknown_crop_holds_a_known_crops_lot(bench: Bench) -> None:
    app = env("input_use", "2026-05-01T08:00:00+08:00", spray("P1", "橘子", ["阿维菌素"]))
    bench.send(
        app,
        harvest("2026-05-02T08:00:00+08:00", "L1", "柑桔"),
        cert("2026-05-02T09:00:00+08:00", "L1"),
    )
    assert decision(bench, "L1") == (
        "refused",
        [{"reason": "unverified_input", "cause": app["id"]}],
    )


def test_two_crops_the_table_knows_are_two_timelines(bench: Bench) -> None:
    cucumber = spray("P1", "黄瓜", ["阿维菌素"], formulation="1.8% EC")
    bench.send(
        env("input_use", "2026-05-01T08:00:00+08:00", cucumber),
        harvest("2026-05-01T18:00:00+08:00", "L1", "番茄"),
        cert("2026-05-01T19:00:00+08:00", "L1"),
    )
    assert decision(bench, "L1") == ("issued", [])


@pytest.mark.parametrize("days_before", [36, 38, 200])
def test_an_unknown_product_holds_the_lot_however_long_ago(bench: Bench, days_before: int) -> None:
    # 吡虫啉 has no PHI row for 黄瓜: its interval is unknown, so no distance makes it safe
    # (before, only the longest known PHI, 35 d, was looked at).
    from datetime import datetime, timedelta

    harvested = datetime.fromisoformat("2026-09-01T08:00:00+08:00")
    applied = (harvested - timedelta(days=days_before)).isoformat()
    app = env("input_use", applied, spray("P1", "黄瓜", ["吡虫啉"]))
    bench.send(app)
    bench.send(harvest(harvested.isoformat(), "L1", "黄瓜"))
    bench.send(cert("2026-09-01T09:00:00+08:00", "L1"))
    assert decision(bench, "L1") == (
        "refused",
        [{"reason": "unverified_input", "cause": app["id"]}],
    )


def test_degree_days_without_a_water_temperature_hold_the_lot(bench: Bench) -> None:
    t = env(
        "treatment",
        "2026-05-01T08:00:00+08:00",
        {"herd": "H1", "species": "fish", "drug": "甲砜霉素散"},  # 500 degree-days
    )
    d = env(
        "dispatch",
        "2026-05-02T08:00:00+08:00",
        {"herd": "H1", "species": "fish", "product": "meat", "lot": "F1"},
    )
    bench.send(t, d, cert("2026-05-02T09:00:00+08:00", "F1"))
    assert decision(bench, "F1") == ("refused", [{"reason": "unverified_input", "cause": t["id"]}])


def test_a_late_unknown_application_revokes_an_issued_certificate(bench: Bench) -> None:
    bench.send(
        harvest("2026-05-05T08:00:00+08:00", "L1", "黄瓜"),
        cert("2026-05-05T09:00:00+08:00", "L1"),
    )
    assert decision(bench, "L1") == ("issued", [])
    late = env(
        "input_use",
        "2026-05-01T08:00:00+08:00",
        spray("P1", "黄瓜", ["吡虫啉"]),
        at="2026-05-08T08:00:00+08:00",
    )
    bench.send(late)
    assert decision(bench, "L1") == (
        "revoked",
        [{"reason": "unverified_input", "cause": late["id"]}],
    )
    [revoked] = bench.of("certificate_revoked")
    assert revoked.evidence[-1] == late["id"]
    assert revoked.ts.isoformat() == "2026-05-01T08:00:00+08:00"  # the late fact's event time


@pytest.mark.parametrize("dispatched", ["2026-05-05T08:00:00+08:00", "2026-11-17T08:00:00+08:00"])
def test_a_late_unknown_treatment_revokes_an_issued_certificate(
    bench: Bench, dispatched: str
) -> None:
    # 4 days or 200 days after it: in order the lot would be held either way (an unknown drug
    # is read as far back as the rules look), so late it must be revoked either way.
    dispatch = {"herd": "H2", "species": "pig", "product": "meat", "lot": "P9"}
    bench.send(env("dispatch", dispatched, dispatch), cert(dispatched, "P9"))
    assert decision(bench, "P9") == ("issued", [])
    late = env(
        "treatment",
        "2026-05-01T08:00:00+08:00",
        {"herd": "H2", "species": "pig", "drug": "恩诺沙星注射液"},  # no period in the data
        at="2026-11-20T08:00:00+08:00",
    )
    bench.send(late)
    assert decision(bench, "P9") == (
        "revoked",
        [{"reason": "unverified_input", "cause": late["id"]}],
    )


def test_a_late_checked_application_outside_its_window_revokes_nothing(bench: Bench) -> None:
    bench.send(
        harvest("2026-05-05T08:00:00+08:00", "L1", "黄瓜"),
        cert("2026-05-05T09:00:00+08:00", "L1"),
    )
    ok = spray("P1", "黄瓜", ["阿维菌素"], formulation="1.8% EC")  # 2 d: over by 05-05
    bench.send(env("input_use", "2026-05-01T08:00:00+08:00", ok, at="2026-05-08T08:00:00+08:00"))
    assert decision(bench, "L1") == ("issued", [])
    assert bench.of("certificate_revoked") == []
