"""banned_pesticide (effective dates, crop scope), unknown_input, max_applications."""

from collections.abc import Iterator

import pytest

from testkit.compliance import Bench, env, spray


@pytest.fixture
def bench(database_url: str) -> Iterator[Bench]:
    b = Bench(database_url)
    yield b
    b.close()


def test_a_pesticide_is_allowed_before_its_ban_date_and_not_after(bench: Bench) -> None:
    before = env("input_use", "2026-05-31T23:59:00+08:00", spray("P3", "小麦", ["氧乐果"]))
    after = env("input_use", "2026-06-01T00:00:00+08:00", spray("P3", "小麦", ["氧乐果"]))
    bench.send(before, after)
    [banned] = bench.of("banned_pesticide")
    assert banned.cause == after["id"]
    assert banned.detail["bans"][0]["ban"] == "BAN-736"
    # Before the date it was legal but has no PHI row for 小麦: it cannot be checked.
    assert [a.cause for a in bench.of("unknown_input")] == [before["id"]]


def test_a_partial_ban_applies_only_inside_its_crop_scope(bench: Bench) -> None:
    veg = env("input_use", "2026-05-01T08:00:00+08:00", spray("P1", "黄瓜", ["乐果"]))
    wheat = env(
        "input_use",
        "2026-05-01T08:00:00+08:00",
        spray("P3", "小麦", ["乐果"], formulation="40% EC"),
    )
    bench.send(veg, wheat)
    assert [a.cause for a in bench.of("banned_pesticide")] == [veg["id"]]
    assert bench.of("unknown_input") == []  # 乐果 on 小麦 has a PHI row (10 d)


def test_a_trade_name_resolves_to_its_ingredient(bench: Bench) -> None:
    bench.send(env("input_use", "2026-05-01T08:00:00+08:00", spray("P1", "黄瓜", ["乐斯本"])))
    assert bench.rules_raised() == ["banned_pesticide"]


def test_a_banned_input_blocks_the_plots_later_lots(bench: Bench) -> None:
    bench.send(
        env("input_use", "2026-05-01T08:00:00+08:00", spray("P1", "黄瓜", ["毒死蜱"])),
        env("harvest", "2026-06-15T08:00:00+08:00", {"plot": "P1", "crop": "黄瓜", "lot": "L9"}),
        env(
            "certificate_request",
            "2026-06-15T09:00:00+08:00",
            {"lot": "L9", "commodity": "黄瓜", "qty_kg": 10, "basis": ["control"]},
        ),
    )
    assert bench.of("certificate_refused")[0].detail["reasons"][0]["reason"] == "banned_input"


def test_max_applications_counts_per_season_and_ingredient(bench: Bench) -> None:
    apps = [
        env("input_use", f"2026-06-0{d}T08:00:00+08:00", spray("P1", "黄瓜", ["阿维菌素"]))
        for d in (1, 2, 3)
    ]
    bench.send(*apps)
    assert bench.of("max_applications") == []  # 3 allowed on 黄瓜
    fourth = env("input_use", "2026-06-05T08:00:00+08:00", spray("P1", "黄瓜", ["阿维菌素"]))
    fifth = env("input_use", "2026-06-06T08:00:00+08:00", spray("P1", "黄瓜", ["阿维菌素"]))
    next_year = env("input_use", "2027-01-01T08:00:00+08:00", spray("P1", "黄瓜", ["阿维菌素"]))
    bench.send(fourth, fifth, next_year)
    [alert] = bench.of("max_applications")
    assert alert.cause == "2026:黄瓜:阿维菌素"
    assert alert.ts.isoformat() == "2026-06-05T08:00:00+08:00"
    assert bench.stored_alert(alert.id)["evidence"] == [
        *(a["id"] for a in apps),
        fourth["id"],
        fifth["id"],
    ]


def test_a_late_earlier_application_still_counts_once(bench: Bench) -> None:
    later = [
        env("input_use", f"2026-06-1{d}T08:00:00+08:00", spray("P1", "黄瓜", ["阿维菌素"]))
        for d in (1, 2, 3)
    ]
    bench.send(*later)
    early = env(
        "input_use",
        "2026-06-01T08:00:00+08:00",
        spray("P1", "黄瓜", ["阿维菌素"]),
        at="2026-06-20T08:00:00+08:00",
    )
    bench.send(early, early)
    [alert] = bench.of("max_applications")
    assert alert.ts.isoformat() == "2026-06-13T08:00:00+08:00"  # the 4th in event order


def test_rows_without_a_numeric_maximum_raise_nothing(bench: Bench) -> None:
    apps = [
        env("input_use", f"2026-07-0{d}T08:00:00+08:00", spray("P3", "小麦", ["多菌灵"]))
        for d in range(1, 7)
    ]
    bench.send(*apps)
    assert bench.alerts == []
