"""The demo also shows the compliance core: a PHI violation, a refused and an issued certificate."""

import json
import subprocess
import sys

import httpx
import pytest


@pytest.mark.integration
@pytest.mark.slow
def test_demo_shows_a_phi_violation_and_a_refused_certificate() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "agrisafe", "demo", "--duration", "12"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    alerts = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    by_rule = {a["rule"]: a for a in alerts}
    assert {"phi_violation", "certificate_refused"} <= set(by_rule), proc.stderr[-3000:]
    phi = by_rule["phi_violation"]
    assert (phi["subject"], phi["detail"]["phi_days"]) == ("plot:P1", 2)
    refused = by_rule["certificate_refused"]
    assert refused["detail"]["reasons"][0]["reason"] == "blocked_lot"
    assert refused["subject"].startswith("lot:DEMO-P1-")
    assert "certificate issued for DEMO-P2-" in proc.stderr
    # The printed trace page belonged to a demo that has stopped: its address is well formed.
    url = proc.stderr.split("certificate issued for ")[1].split(": ", 1)[1].split()[0]
    assert httpx.URL(url).path.startswith("/t/")
