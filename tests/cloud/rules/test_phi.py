"""phi_violation through ingest → rules on SQLite and PostgreSQL (event time, late facts,
duplicates, one alert per application, evidence, blocked lots)."""

from collections.abc import Iterator

import pytest

from testkit.compliance import Bench, env, spray

ABAM = spray("P1", "黄瓜", ["阿维菌素"], formulation="1.8% EC")


@pytest.fixture
def bench(database_url: str) -> Iterator[Bench]:
    b = Bench(database_url)
    yield b
    b.close()


def harvest(ts: str, lot: str, plot: str = "P1", crop: str = "黄瓜") -> dict[str, object]:
    return env("harvest", ts, {"plot": plot, "crop": crop, "lot": lot, "qty_kg": 100})


def test_harvest_inside_the_phi_is_one_alert_per_application(bench: Bench) -> None:
    app = env("input_use", "2026-05-01T08:30:00+08:00", ABAM)
    h1 = harvest("2026-05-02T09:00:00+08:00", "L1")
    h2 = harvest("2026-05-02T18:00:00+08:00", "L2")
    ok = harvest("2026-05-03T00:00:00+08:00", "L3")  # exactly on the boundary: allowed
    bench.send(app, h1, h2, ok)
    [alert] = bench.of("phi_violation")
    assert alert.cause == app["id"]
    assert alert.subject == "plot:P1"
    assert alert.severity.value == "critical"
    assert alert.ts.isoformat() == "2026-05-02T09:00:00+08:00"  # the harvest that completed it
    assert alert.detail["phi_days"] == 2
    assert alert.detail["earliest_harvest"] == "2026-05-03"
    stored = bench.stored_alert(alert.id)
    assert stored["evidence"] == [app["id"], h1["id"], h2["id"]]


def test_each_application_opens_its_own_window(bench: Bench) -> None:
    a1 = env("input_use", "2026-05-01T08:00:00+08:00", ABAM)
    a2 = env("input_use", "2026-05-02T08:00:00+08:00", ABAM)
    h = harvest("2026-05-02T20:00:00+08:00", "L1")
    bench.send(a1, a2, h)
    assert sorted(a.cause for a in bench.of("phi_violation")) == sorted([a1["id"], a2["id"]])


def test_a_late_input_use_makes_an_earlier_harvest_illegal(bench: Bench) -> None:
    h = harvest("2026-05-02T09:00:00+08:00", "L1")
    late = env("input_use", "2026-05-01T18:00:00+08:00", ABAM, at="2026-05-05T09:00:00+08:00")
    bench.send(h)
    assert bench.alerts == []
    bench.send(late)
    [alert] = bench.of("phi_violation")
    assert alert.cause == late["id"]
    assert alert.evidence == [late["id"], h["id"]]
    assert alert.ts.isoformat() == "2026-05-02T09:00:00+08:00"


def test_duplicates_never_double_alert(bench: Bench) -> None:
    app = env("input_use", "2026-05-01T08:30:00+08:00", ABAM)
    h = harvest("2026-05-02T09:00:00+08:00", "L1")
    bench.send(app, h, h, app, h)
    assert bench.rules_raised() == ["phi_violation"]
    assert bench.stored_alert(bench.alerts[0].id)["evidence"] == [app["id"], h["id"]]


def test_harvest_before_the_spray_the_same_day_is_not_a_violation(bench: Bench) -> None:
    h = harvest("2026-05-01T07:00:00+08:00", "L1")
    app = env("input_use", "2026-05-01T15:00:00+08:00", ABAM)
    bench.send(h, app)
    assert bench.of("phi_violation") == []


def test_another_crop_on_the_plot_is_another_timeline(bench: Bench) -> None:
    app = env("input_use", "2026-05-01T08:30:00+08:00", ABAM)
    tomato = harvest("2026-05-02T09:00:00+08:00", "L1", crop="番茄")
    bench.send(app, tomato)
    assert bench.of("phi_violation") == []


def test_a_group_row_applies_to_its_crops_and_synonyms_resolve(bench: Bench) -> None:
    # 阿维菌素 has no 白菜 row: the 叶菜 group row (7 d) applies.
    app = env("input_use", "2026-05-01T08:00:00+08:00", spray("P4", "白菜", ["阿维菌素"]))
    bench.send(app, harvest("2026-05-07T08:00:00+08:00", "L1", plot="P4", crop="白菜"))
    assert bench.of("phi_violation")[0].detail["phi_days"] == 7
    # 柑桔 and 柑橘 are one crop.
    citrus = env("input_use", "2026-05-01T08:00:00+08:00", spray("P9", "柑桔", ["噻嗪酮"]))
    bench.send(citrus, harvest("2026-06-01T08:00:00+08:00", "L2", plot="P9", crop="柑橘"))
    assert [a.detail["phi_days"] for a in bench.of("phi_violation")] == [7, 35]


def test_a_tank_mix_takes_the_most_restrictive_interval(bench: Bench) -> None:
    mix = spray("P1", "黄瓜", ["阿维菌素", "百菌清"])
    bench.send(env("input_use", "2026-05-01T08:00:00+08:00", mix))
    bench.send(harvest("2026-05-07T08:00:00+08:00", "L1"))  # 阿维菌素 OK (2 d), 百菌清 not (7 d)
    [alert] = bench.of("phi_violation")
    assert alert.detail["phi_days"] == 7


def test_a_certificate_inside_the_window_adds_evidence_and_is_refused(bench: Bench) -> None:
    app = env("input_use", "2026-05-01T08:30:00+08:00", ABAM)
    h = harvest("2026-05-02T09:00:00+08:00", "L1")
    cert = env(
        "certificate_request",
        "2026-05-02T10:00:00+08:00",
        {"lot": "L1", "commodity": "黄瓜", "qty_kg": 100, "basis": ["control"]},
    )
    bench.send(app, h, cert)
    assert bench.rules_raised() == ["phi_violation", "certificate_refused"]
    phi = bench.stored_alert(bench.of("phi_violation")[0].id)
    assert phi["evidence"] == [app["id"], h["id"], cert["id"]]
    refused = bench.of("certificate_refused")[0]
    assert refused.detail["reasons"] == [
        {"reason": "blocked_lot", "rule": "phi_violation", "cause": app["id"]}
    ]


def test_a_blocked_lot_stays_blocked_after_the_window(bench: Bench) -> None:
    app = env("input_use", "2026-05-01T08:30:00+08:00", ABAM)
    h = harvest("2026-05-02T09:00:00+08:00", "L1")
    later = env(
        "certificate_request",
        "2026-06-30T10:00:00+08:00",
        {"lot": "L1", "commodity": "黄瓜", "qty_kg": 100, "basis": ["control"]},
    )
    bench.send(app, h, later)
    assert bench.rules_raised() == ["phi_violation", "certificate_refused"]
    # Waiting does not make the produce legal; the late request is not in the window though.
    assert bench.stored_alert(bench.of("phi_violation")[0].id)["evidence"] == [app["id"], h["id"]]
