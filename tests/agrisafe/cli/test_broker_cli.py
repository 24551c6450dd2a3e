"""`agrisafe broker` and the shared settings: mistakes give a clear line and exit code."""

import os
import subprocess
import sys

import pytest

from agrisafe.settings import AgrisafeSettings, SettingsError
from testkit.net import held_port


def test_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGRISAFE_BROKER_PORT", "seventy")
    with pytest.raises(SettingsError, match="AGRISAFE_BROKER_PORT"):
        AgrisafeSettings.load()


def test_broker_port_in_use_exits_1_with_advice() -> None:
    with held_port() as port:
        proc = subprocess.run(
            [sys.executable, "-m", "agrisafe", "broker", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            env=os.environ,
            check=False,
        )
    assert proc.returncode == 1
    assert "AGRISAFE_MQTT_URL" in proc.stderr
    assert "Traceback" not in proc.stderr
