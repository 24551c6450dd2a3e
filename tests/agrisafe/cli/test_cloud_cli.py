"""`agrisafe cloud serve` / `agrisafe broker`: configuration mistakes give a clear line and code."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from agrisafe.settings import AgrisafeSettings, SettingsError
from cloud.settings import CloudSettings


def _run(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agrisafe", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ | env,
        check=False,
    )


def test_flags_override_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AGRISAFE_HTTP_PORT", "9001")
    monkeypatch.setenv("AGRISAFE_AUTO_REGISTER", "true")
    monkeypatch.setenv("AGRISAFE_DATA_DIR", str(tmp_path))
    s = CloudSettings.load()
    assert (s.http_port, s.auto_register, s.data_dir) == (9001, True, tmp_path)
    s = CloudSettings.load(http_port=9002, auto_register=False)
    assert (s.http_port, s.auto_register) == (9002, False)


def test_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGRISAFE_BROKER_PORT", "seventy")
    with pytest.raises(SettingsError, match="AGRISAFE_BROKER_PORT"):
        AgrisafeSettings.load()


def test_bad_registry_file_exits_2_naming_the_key(tmp_path: Path) -> None:
    reg = tmp_path / "site.yaml"
    reg.write_text("sites: [{id: S1, name: x, region: 'abc'}]", "utf-8")
    proc = _run(
        ["cloud", "serve"], {"AGRISAFE_DATA_DIR": str(tmp_path), "AGRISAFE_REGISTRY_FILE": str(reg)}
    )
    assert proc.returncode == 2
    assert "sites.0.region" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_mqtt_url_exits_2(tmp_path: Path) -> None:
    proc = _run(["cloud", "serve", "--mqtt-url", "http://x"], {"AGRISAFE_DATA_DIR": str(tmp_path)})
    assert proc.returncode == 2
    assert "mqtt://" in proc.stderr


def test_broker_port_in_use_exits_1_with_advice(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = _run(["broker", "--port", str(port)], {})
    assert proc.returncode == 1
    assert "AGRISAFE_MQTT_URL" in proc.stderr


def test_unreachable_database_exits_1(tmp_path: Path) -> None:
    proc = _run(
        ["cloud", "serve"],
        {
            "AGRISAFE_DATA_DIR": str(tmp_path),
            "AGRISAFE_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        },
    )
    assert proc.returncode == 1
    assert "database unreachable" in proc.stderr
