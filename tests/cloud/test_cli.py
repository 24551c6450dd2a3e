"""`agrisafe cloud serve|ingest`: configuration mistakes give a clear line and exit code; the
ingest worker processes get the parent's settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from cloud.ingest.supervisor import child_env
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


def test_unreachable_database_exits_1(tmp_path: Path) -> None:
    proc = _run(
        ["cloud", "serve"],
        {
            "AGRISAFE_DATA_DIR": str(tmp_path),
            "AGRISAFE_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        },
    )
    assert proc.returncode == 1
    assert "error: database unreachable" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_ingest_needs_a_broker_url(tmp_path: Path) -> None:
    proc = _run(["cloud", "ingest"], {"AGRISAFE_DATA_DIR": str(tmp_path)})
    assert proc.returncode == 2
    assert "AGRISAFE_MQTT_URL" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_ingest_with_influxdb_but_no_url_names_the_variable(tmp_path: Path) -> None:
    proc = _run(
        ["cloud", "ingest"],
        {
            "AGRISAFE_DATA_DIR": str(tmp_path),
            "AGRISAFE_MQTT_URL": "mqtt://127.0.0.1:1",
            "AGRISAFE_TIMESERIES": "influxdb",
        },
    )
    assert proc.returncode == 2
    assert "AGRISAFE_INFLUX_URL" in proc.stderr


def test_worker_processes_get_the_parents_settings_as_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = CloudSettings.load(
        data_dir=tmp_path,
        admin_token=SecretStr("s3cret"),
        auto_register=True,
        registry_file=tmp_path / "site.yaml",
        ingest_processes=3,
        ingest_batch_max=250,
        timeseries="influxdb",
        influx_url="http://127.0.0.1:8428",
    )
    env = child_env(settings, "mqtt://127.0.0.1:1884?protocol=5", shared=True)
    child = {k: v for k, v in env.items() if k.startswith("AGRISAFE_")}
    assert child["AGRISAFE_ADMIN_TOKEN"] == "s3cret"
    assert child["AGRISAFE_AUTO_REGISTER"] == "true"
    assert child["AGRISAFE_INGEST_BATCH_MAX"] == "250"
    assert child["AGRISAFE_INGEST_PROCESSES"] == "0"
    assert child["AGRISAFE_TIMESERIES_PUMP"] == "false"
    assert child["AGRISAFE_MQTT_URL"] == "mqtt://127.0.0.1:1884?protocol=5"
    assert "AGRISAFE_REGISTRY_FILE" not in child  # the parent loads it once
    for key, value in child.items():
        monkeypatch.setenv(key, value)
    again = CloudSettings.load()
    assert again.timeseries == "influxdb"
    assert again.influx_url == "http://127.0.0.1:8428"
    assert again.data_dir == tmp_path.resolve()
    assert again.shared_subscription is True
