"""unrecorded_spraying (grace window, clock, late_record), device_offline, clock_skew,
sample_out_of_geofence."""

from collections.abc import Iterator

import pytest

from testkit.compliance import Bench, env, spray

GEO = {"lat": 37.43, "lon": 112.56, "fix": "fixed"}
MODEL = {"name": "agri-activity", "version": "1.0.0"}


@pytest.fixture
def bench(database_url: str) -> Iterator[Bench]:
    b = Bench(database_url)
    yield b
    b.close()


def activity(ts: str, state: str, track: str, plot: str = "P2") -> dict[str, object]:
    body = {
        "activity": "spraying",
        "state": state,
        "plot": plot,
        "confidence": 0.9,
        "track": track,
        "model": MODEL,
    }
    return env("activity", ts, body, device="cam-01", geo=GEO)


def test_the_grace_window_expires_only_when_the_clock_passes_it(bench: Bench) -> None:
    bench.send(
        activity("2026-05-01T08:00:00+08:00", "start", "T1"),
        activity("2026-05-01T09:00:00+08:00", "end", "T1"),
    )
    # end + 24 h = 2026-05-02T09:00+08:00: reaching it is not passing it.
    assert bench.advance("2026-05-02T09:00:00+08:00") == []
    [alert] = bench.advance("2026-05-02T09:00:01+08:00")
    assert (alert.rule.value, alert.subject, alert.severity.value) == (
        "unrecorded_spraying",
        "plot:P2",
        "major",
    )
    assert alert.ts.isoformat() == "2026-05-02T09:00:00+08:00"
    assert bench.advance("2026-05-09T00:00:00+08:00") == []  # fires once


def test_an_input_use_inside_the_window_covers_the_spraying(bench: Bench) -> None:
    recorded = env(
        "input_use",
        "2026-04-30T08:00:00+08:00",  # start − 24 h: the window's first instant
        spray("P2", "番茄", ["联苯菊酯"], formulation="10% EC"),
        at="2026-05-01T10:00:00+08:00",
    )
    bench.send(
        activity("2026-05-01T08:00:00+08:00", "start", "T1"),
        activity("2026-05-01T09:00:00+08:00", "end", "T1"),
        recorded,
    )
    assert bench.advance("2026-05-05T00:00:00+08:00") == []


def test_an_input_use_on_another_plot_does_not_count(bench: Bench) -> None:
    bench.send(
        activity("2026-05-01T08:00:00+08:00", "start", "T1"),
        activity("2026-05-01T09:00:00+08:00", "end", "T1"),
        env("input_use", "2026-05-01T08:30:00+08:00", spray("P4", "白菜", ["百菌清"])),
    )
    assert [a.rule.value for a in bench.advance("2026-05-03T00:00:00+08:00")] == [
        "unrecorded_spraying"
    ]


def test_a_late_record_resolves_the_alert_and_keeps_it(bench: Bench) -> None:
    bench.send(
        activity("2026-05-01T08:00:00+08:00", "start", "T1"),
        activity("2026-05-01T09:00:00+08:00", "end", "T1"),
    )
    [alert] = bench.advance("2026-05-03T00:00:00+08:00")
    late = env(
        "input_use",
        "2026-05-01T08:30:00+08:00",
        spray("P2", "番茄", ["联苯菊酯"], formulation="10% EC"),
        at="2026-05-03T10:00:00+08:00",
    )
    bench.send(late)
    stored = bench.stored_alert(alert.id)
    assert (stored["status"], stored["resolved_by"], stored["resolution"]) == (
        "resolved",
        "system",
        "late_record",
    )
    assert late["id"] in stored["evidence"]
    assert bench.rules_raised() == ["unrecorded_spraying"]


def test_the_ingest_batch_does_not_fire_timers_itself(bench: Bench) -> None:
    # Timers move with the clock (tick), not with message arrival alone.
    bench.send(
        activity("2026-05-01T08:00:00+08:00", "start", "T1"),
        activity("2026-05-01T09:00:00+08:00", "end", "T1"),
    )
    with bench.engine.begin() as conn:
        assert bench.rules.tick(conn, bench.registry, 0) == []


def test_device_offline_opens_and_online_resolves_it(bench: Bench) -> None:
    off = env("status", "2026-05-01T09:00:00+08:00", {"state": "offline"}, device="cam-01")
    on = env("status", "2026-05-01T09:10:00+08:00", {"state": "online"}, device="cam-01")
    bench.send(off)
    [alert] = bench.of("device_offline")
    assert (alert.subject, alert.severity.value) == ("device:cam-01", "warning")
    bench.send(on)
    assert bench.stored_alert(alert.id)["resolution"] == "back_online"


def test_clock_skew_is_one_open_alert_per_device(bench: Bench) -> None:
    msgs = [
        env(
            "telemetry",
            f"2026-05-01T10:0{n}:00+08:00",
            {"fps": 5.0},
            device="cam-02",
            at=f"2026-05-01T08:0{n}:00+08:00",
        )
        for n in range(3)
    ]
    inside = env(
        "telemetry",
        "2026-05-01T08:09:59+08:00",
        {"fps": 5.0},
        device="cam-03",
        at="2026-05-01T08:05:00+08:00",
    )
    bench.send(*msgs, inside)
    [alert] = bench.alerts
    assert (alert.rule.value, alert.subject) == ("clock_skew", "device:cam-02")
    assert bench.stored_alert(alert.id)["evidence"] == [m["id"] for m in msgs]
    assert alert.detail["ahead_s"] == 7200.0


def test_a_sample_outside_the_site_geofence(bench: Bench) -> None:
    inside = env(
        "sample",
        "2026-05-04T09:40:00+08:00",
        {"sample": "S1", "commodity": "黄瓜", "inspector": "王"},
        device="gps-01",
        geo={"lat": 37.43, "lon": 112.56, "fix": "gps"},
    )
    outside = env(
        "sample",
        "2026-05-04T09:50:00+08:00",
        {"sample": "S2", "commodity": "黄瓜", "inspector": "王"},
        device="gps-01",
        geo={"lat": 37.50, "lon": 112.56, "fix": "gps"},
    )
    no_fence = env(
        "sample",
        "2026-05-04T09:50:00+08:00",
        {"sample": "S3", "commodity": "黄瓜", "inspector": "王"},
        site="SX-JX-002",
        device="gps-01",
        geo={"lat": 10.0, "lon": 10.0, "fix": "gps"},
    )
    bench.send(inside, outside, no_fence)
    [alert] = bench.alerts
    assert (alert.rule.value, alert.subject, alert.severity.value) == (
        "sample_out_of_geofence",
        "sample:S2",
        "minor",
    )


def test_replay_sets_received_at_from_the_lines_own_arrival(bench: Bench) -> None:
    first = env("telemetry", "2026-05-01T10:00:00+08:00", {"fps": 5.0}, device="cam-04")
    # Arrived (at) before the clock's current time: received_at is still its own `at`.
    late = env(
        "telemetry",
        "2026-05-01T10:10:00+08:00",
        {"fps": 5.0},
        device="cam-05",
        at="2026-05-01T09:58:00+08:00",
    )
    bench.send(first, late)
    [alert] = bench.alerts
    assert alert.detail["received_at"] == "2026-05-01T01:58:00+00:00"
    assert alert.detail["ahead_s"] == 720.0


def test_a_graceful_shutdown_is_not_a_fault(bench: Bench) -> None:
    """`offline` with reason shutdown (a clean stop) opens nothing; the last will does."""
    bye = env("status", "2026-05-01T09:00:00+08:00", {"state": "offline", "reason": "shutdown"})
    lost = env(
        "status",
        "2026-05-01T09:05:00+08:00",
        {"state": "offline", "reason": "connection_lost"},
        device="cam-02",
    )
    bench.send(bye)
    assert bench.of("device_offline") == []
    bench.send(lost)
    assert [a.subject for a in bench.of("device_offline")] == ["device:cam-02"]
