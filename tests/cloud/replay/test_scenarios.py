"""`agrisafe scenario run` on every shipped scenario: alerts as JSON lines, in order, exit 0.

The expected alerts here are the ones docs/scenarios/README.md lists.
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from testkit.compliance import SCENARIO_REGISTRY, SCENARIOS

# scenario → [(rule, subject, cause, ts)], in the order raised (cause "*" = a generated id).
EXPECTED: dict[str, list[tuple[str, str, str, str]]] = {
    "phi_violation": [
        ("phi_violation", "plot:P1", "sc-phi-0001", "2026-05-02T09:00:00+08:00"),
        ("certificate_refused", "lot:L-P1-0502", "sc-phi-0005", "2026-05-02T17:00:00+08:00"),
    ],
    "phi_late_input": [
        ("phi_violation", "plot:P1", "sc-late-0003", "2026-05-02T09:00:00+08:00"),
    ],
    "duplicates": [
        ("phi_violation", "plot:P1", "sc-dup-0001", "2026-05-02T09:00:00+08:00"),
        ("rapid_test_positive", "sample:S-DUP-1", "sc-dup-0003", "2026-05-02T10:00:00+08:00"),
    ],
    "withdrawal_violation": [
        ("withdrawal_violation", "herd:H1", "sc-wd-0001", "2026-05-20T06:00:00+08:00"),
    ],
    "withdrawal_hours": [
        ("withdrawal_violation", "herd:H2", "sc-wh-0001", "2026-05-03T07:59:00+08:00"),
    ],
    "withdrawal_eggs_prohibited": [
        ("withdrawal_violation", "herd:H3", "sc-egg-0001", "2026-06-30T08:00:00+08:00"),
    ],
    "withdrawal_degree_days": [
        ("withdrawal_violation", "herd:H4", "sc-dd-0001", "2026-05-25T08:00:00+08:00"),
    ],
    "banned_pesticide": [
        ("unknown_input", "plot:P3", "sc-ban-0001", "2024-08-31T10:00:00+08:00"),
        ("banned_pesticide", "plot:P3", "sc-ban-0002", "2024-09-01T10:00:00+08:00"),
        ("banned_pesticide", "plot:P1", "sc-ban-0003", "2026-05-01T10:00:00+08:00"),
        ("certificate_refused", "lot:L-BAN-0520", "sc-ban-0005", "2026-05-20T09:00:00+08:00"),
    ],
    "max_applications": [
        ("max_applications", "plot:P1", "2026:黄瓜:阿维菌素", "2026-06-04T08:00:00+08:00"),
    ],
    "unrecorded_spraying": [
        ("unrecorded_spraying", "plot:P2", "sc-us-0002", "2026-05-02T08:40:00+08:00"),
    ],
    "rapid_test_positive": [
        ("rapid_test_positive", "sample:S-RT-1", "sc-rt-0001", "2026-05-04T10:15:00+08:00"),
    ],
    "certificates": [
        ("certificate_refused", "lot:L-NOWHERE", "sc-cert-0005", "2026-05-06T10:05:00+08:00"),
        ("rapid_test_positive", "sample:S-POS-1", "sc-cert-0007", "2026-05-06T11:30:00+08:00"),
        ("certificate_refused", "lot:L-POS-1", "sc-cert-0008", "2026-05-06T12:00:00+08:00"),
        ("phi_violation", "plot:P2", "sc-cert-0009", "2026-05-09T08:00:00+08:00"),
        ("certificate_refused", "lot:L-PHI-1", "sc-cert-0011", "2026-05-09T09:00:00+08:00"),
    ],
    "certificate_revoked": [
        ("phi_violation", "plot:P1", "sc-rev-0003", "2026-05-02T09:00:00+08:00"),
        ("certificate_revoked", "lot:L-REV-1", "*", "2026-05-01T17:00:00+08:00"),
    ],
    "certificate_blacklisted": [
        ("banned_pesticide", "plot:P3", "sc-bl-0001", "2026-05-01T08:00:00+08:00"),
        ("banned_pesticide", "plot:P3", "sc-bl-0002", "2026-05-01T09:00:00+08:00"),
        ("withdrawal_violation", "herd:H1", "sc-bl-0003", "2026-05-05T09:00:00+08:00"),
        ("certificate_refused", "lot:L-BL-CLEAN", "sc-bl-0006", "2026-05-06T09:00:00+08:00"),
    ],
    "device_offline": [
        ("device_offline", "device:cam-01", "sc-off-0002", "2026-05-01T09:00:00+08:00"),
        ("device_offline", "device:rt-01", "sc-off-0004", "2026-05-01T10:00:00+08:00"),
    ],
    "clock_skew": [
        ("clock_skew", "device:cam-02", "sc-skew-0001", "2026-05-01T10:00:00+08:00"),
    ],
    "sample_out_of_geofence": [
        ("sample_out_of_geofence", "sample:S-GEO-OUT", "sc-geo-0002", "2026-05-04T10:40:00+08:00"),
    ],
    "unknown_input": [
        ("unknown_input", "plot:P1", "sc-unk-0001", "2026-05-01T08:00:00+08:00"),
        ("unknown_input", "herd:H1", "sc-unk-0002", "2026-05-01T09:00:00+08:00"),
        ("unknown_input", "herd:H2", "sc-unk-0003", "2026-05-10T06:00:00+08:00"),
    ],
    "unrecorded_spraying_track": [
        ("unrecorded_spraying", "plot:P2", "sc-ust-0002", "2026-05-11T08:30:00+08:00"),
        ("unrecorded_spraying", "plot:P1", "sc-ust-0005", "2026-05-11T09:20:00+08:00"),
    ],
    "rapid_test_inconsistent": [
        ("rapid_test_inconsistent", "sample:S-RTI-1", "sc-rti-0003", "2026-05-05T10:00:00+08:00"),
        ("rapid_test_positive", "sample:S-RTI-3", "sc-rti-0005", "2026-05-05T10:20:00+08:00"),
        ("rapid_test_inconsistent", "sample:S-RTI-3", "sc-rti-0005", "2026-05-05T10:20:00+08:00"),
        ("rapid_test_positive", "sample:S-RTI-4", "sc-rti-0006", "2026-05-05T10:30:00+08:00"),
        ("certificate_refused", "lot:L-RTI-1", "sc-rti-0008", "2026-05-05T12:00:00+08:00"),
    ],
    "unverified_input": [
        ("unknown_input", "plot:P1", "sc-uv-0001", "2026-05-01T08:00:00+08:00"),
        ("certificate_refused", "lot:L-UV-1", "sc-uv-0003", "2026-05-01T12:00:00+08:00"),
        ("unknown_input", "herd:H1", "sc-uv-0004", "2026-05-01T09:00:00+08:00"),
        ("certificate_refused", "lot:L-UV-PIG", "sc-uv-0006", "2026-06-20T09:00:00+08:00"),
    ],
    "prohibited_vet_drugs": [
        ("withdrawal_violation", "herd:H4", "sc-pv-0001", "2026-05-01T09:00:00+08:00"),
        ("certificate_refused", "lot:L-FISH-1", "sc-pv-0003", "2026-07-20T09:00:00+08:00"),
        ("withdrawal_violation", "herd:H1", "sc-pv-0004", "2026-05-02T09:00:00+08:00"),
        ("withdrawal_violation", "herd:H2", "sc-pv-0005", "2026-05-03T09:00:00+08:00"),
        ("withdrawal_violation", "herd:H5", "sc-pv-0006", "2026-05-04T09:00:00+08:00"),
        ("withdrawal_violation", "herd:H3", "sc-pv-0008", "2026-05-06T09:00:00+08:00"),
        ("withdrawal_violation", "herd:H1", "sc-pv-0009", "2026-05-07T09:00:00+08:00"),
    ],
    "restricted_2019": [
        ("banned_pesticide", "plot:P5", "sc-r19-0001", "2025-05-01T08:00:00+08:00"),
        ("banned_pesticide", "plot:P1", "sc-r19-0002", "2025-05-01T09:00:00+08:00"),
        ("banned_pesticide", "plot:P2", "sc-r19-0003", "2025-05-01T10:00:00+08:00"),
        ("banned_pesticide", "plot:P6", "sc-r19-0004", "2025-05-01T11:00:00+08:00"),
        ("banned_pesticide", "plot:P7", "sc-r19-0005", "2024-05-01T08:00:00+08:00"),
        ("banned_pesticide", "plot:P8", "sc-r19-0006", "2025-05-01T12:00:00+08:00"),
        ("banned_pesticide", "plot:P9", "sc-r19-0007", "2025-05-01T13:00:00+08:00"),
        ("unknown_input", "plot:P10", "sc-r19-0008", "2025-05-01T14:00:00+08:00"),
    ],
    "names_as_written": [
        ("banned_pesticide", "plot:P4", "sc-nm-0001", "2025-06-01T08:00:00+08:00"),
        ("banned_pesticide", "plot:P3", "sc-nm-0002", "2025-06-01T09:00:00+08:00"),
        ("banned_pesticide", "plot:P1", "sc-nm-0003", "2025-06-01T10:00:00+08:00"),
        ("banned_pesticide", "plot:P2", "sc-nm-0004", "2025-06-01T11:00:00+08:00"),
        ("banned_pesticide", "plot:P11", "sc-nm-0005", "2025-06-01T12:00:00+08:00"),
        ("withdrawal_violation", "herd:H1", "sc-nm-0006", "2025-06-12T08:00:00+08:00"),
        ("phi_violation", "plot:P8", "sc-nm-0008", "2025-06-20T08:00:00+08:00"),
    ],
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agrisafe", "scenario", "run", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def alerts_of(stdout: str) -> list[dict[str, Any]]:
    # stdout carries nothing but alerts: every line must be one JSON object.
    return [json.loads(line) for line in stdout.splitlines()]


def test_every_shipped_scenario_is_covered() -> None:
    shipped = {p.stem for p in SCENARIOS.glob("*.jsonl")}
    assert shipped == set(EXPECTED)
    readme = (SCENARIOS / "README.md").read_text("utf-8")
    assert all(f"{name}.jsonl" in readme for name in shipped)


@pytest.mark.integration
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scenario_prints_its_alerts(name: str) -> None:
    proc = run(str(SCENARIOS / f"{name}.jsonl"), "--registry", str(SCENARIO_REGISTRY))
    assert proc.returncode == 0, proc.stderr[-2000:]
    alerts = alerts_of(proc.stdout)
    got = [(a["rule"], a["subject"], a["cause"], a["ts"]) for a in alerts]
    want = [
        (rule, subject, got[i][2] if cause == "*" and i < len(got) else cause, ts)
        for i, (rule, subject, cause, ts) in enumerate(EXPECTED[name])
    ]
    assert got == want, proc.stderr[-2000:]
    for a in alerts:
        assert a["status"] == "open"
        assert a["evidence"]
    assert "replayed" in proc.stderr  # logs go to stderr


@pytest.mark.integration
def test_unknown_sites_are_accepted_in_replay_without_a_registry(tmp_path: Path) -> None:
    proc = run(str(SCENARIOS / "phi_late_input.jsonl"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    [alert] = alerts_of(proc.stdout)
    assert (alert["rule"], alert["region"]) == ("phi_violation", "000000")


@pytest.mark.integration
def test_bad_lines_are_quarantined_and_the_replay_goes_on(tmp_path: Path) -> None:
    lines = [
        "{not json",
        json.dumps(
            {
                "v": 1,
                "id": "bad-schema-01",
                "kind": "harvest",
                "site": "S",
                "device": "d",
                "ts": "2026-05-01T08:00:00+08:00",
                "body": {},
            }
        ),
        (SCENARIOS / "rapid_test_positive.jsonl").read_text("utf-8").splitlines()[0],
    ]
    scenario = tmp_path / "mixed.jsonl"
    scenario.write_text("\n".join(lines) + "\n", "utf-8")
    proc = run(str(scenario))
    assert proc.returncode == 0
    assert [a["rule"] for a in alerts_of(proc.stdout)] == ["rapid_test_positive"]
    assert "quarantined" in proc.stderr


@pytest.mark.integration
def test_a_line_no_date_can_hold_is_set_aside_naming_file_and_line(tmp_path: Path) -> None:
    first = (SCENARIOS / "rapid_test_positive.jsonl").read_text("utf-8").splitlines()[0]
    bad = [dict(json.loads(first), id=f"far-{n}", ts=ts) for n, ts in enumerate(
        ["9999-12-31T23:59:59Z", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"]
    )]  # fmt: skip
    scenario = tmp_path / "far.jsonl"
    scenario.write_text("\n".join([*map(json.dumps, bad), first]) + "\n", "utf-8")
    proc = run(str(scenario))
    assert proc.returncode == 0, proc.stderr[-2000:]  # was an OverflowError / "year 0 …"
    assert [a["rule"] for a in alerts_of(proc.stdout)] == ["rapid_test_positive"]
    for number in (1, 2, 3):
        assert f"far.jsonl:{number}: line set aside: ts " in proc.stderr
    assert "3 line(s) set aside" in proc.stderr


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    proc = run(str(tmp_path / "nope.jsonl"))
    assert proc.returncode == 2
    assert "cannot read scenario" in proc.stderr
