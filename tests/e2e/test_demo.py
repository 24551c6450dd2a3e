"""The front door: `agrisafe demo` prints a rapid_test_positive alert from the live stream."""

import json
import subprocess
import sys

import pytest


@pytest.mark.integration
@pytest.mark.slow
def test_demo_prints_the_positive_alert() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "agrisafe", "demo", "--duration", "15"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    # a device thread that died is logged, not fatal to the others: the run must show none
    assert "crashed" not in proc.stderr, proc.stderr[-3000:]
    alerts = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    rules = [a["rule"] for a in alerts]
    assert "rapid_test_positive" in rules, proc.stderr[-3000:]
    # The demo's own shutdown is a graceful goodbye, not a fault.
    assert "device_offline" not in rules, proc.stdout[-3000:]
    positive = alerts[rules.index("rapid_test_positive")]
    assert positive["site"] == "SX-TG-001"
    assert positive["region"] == "140703"
    assert positive["evidence"]
    assert "admin token:" in proc.stderr
    assert "/docs" in proc.stderr
