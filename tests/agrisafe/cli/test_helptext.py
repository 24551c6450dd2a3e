"""--help shows defaults and variable names as written (no markup eats them)."""

import subprocess
import sys

import pytest
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from agrisafe.cli.helptext import env_name, setting_help
from agrisafe.settings import AgrisafeSettings


class Demo(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AGRISAFE_")
    http_port: int = Field(default=8000, description="API port")
    token: str | None = None


def test_setting_help_reads_default_and_variable() -> None:
    assert setting_help(Demo, "http_port") == "API port (default: 8000; env: AGRISAFE_HTTP_PORT)"
    assert setting_help(Demo, "token", "bearer") == "bearer (default: none; env: AGRISAFE_TOKEN)"
    assert env_name(AgrisafeSettings, "mqtt_url") == "AGRISAFE_MQTT_URL"


def _help(*args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "agrisafe", *args, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("cloud", "serve"), ["default: 8000; env: AGRISAFE_HTTP_PORT", "env: AGRISAFE_MQTT_URL"]),
        (("broker",), ["default: 1883; env: AGRISAFE_BROKER_PORT"]),
        (("edge", "run"), ["env: AGRISAFE_MQTT_URL", "env: AGRISAFE_MODEL_PATH"]),
        (("bridge", "run"), ["env: AGRISAFE_MQTT_URL", "env: AGRISAFE_DATA_DIR"]),
    ],
)
def test_help_shows_defaults_and_variables(args: tuple[str, ...], expected: list[str]) -> None:
    text = " ".join(_help(*args).split())  # wrapped lines joined back
    for item in expected:
        assert item in text
    assert "<bool>" not in text  # --help is a flag, not a value
