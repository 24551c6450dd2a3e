"""`agrisafe cloud ingest` and `serve --ingest-processes`: configuration and the child env."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from cloud.ingest.supervisor import child_env
from cloud.settings import CloudSettings


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agrisafe", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ | env,
        check=False,
    )


def test_ingest_needs_a_broker_url(tmp_path: Path) -> None:
    proc = _run(["cloud", "ingest"], {"AGRISAFE_DATA_DIR": str(tmp_path)})
    assert proc.returncode == 2
    assert "AGRISAFE_MQTT_URL" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_influxdb_without_url_names_the_variable(tmp_path: Path) -> None:
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


def test_json_logs_carry_structured_fields() -> None:
    import json
    import logging

    from agrisafe.logs import JsonFormatter

    record = logging.LogRecord("cloud.ingest", logging.INFO, __file__, 1, "ingest: %d", (5,), None)
    record.fields = {"received": 5, "worker": "w-0", "msg": "not overwritten"}
    out = json.loads(JsonFormatter().format(record))
    assert out["msg"] == "ingest: 5"
    assert out["received"] == 5
    assert out["worker"] == "w-0"
