"""Settings base: environment variables with the `AGRISAFE_` prefix; CLI flags override them.

Each service subclasses `AgrisafeSettings` and builds it in its `__main__`/CLI command, never at
import time, so tests and the demo can pass overrides explicitly.
"""

import json
from pathlib import Path
from typing import Any, Self

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EMBEDDED = "embedded"


class SettingsError(ValueError):
    """Configuration a technician must fix; the message says which variable and why."""


class AgrisafeSettings(BaseSettings):
    """What every component shares: where data lives, which broker, how much to log."""

    # `inf` passes a `gt=0` bound (a timer that never ticks) and `nan` fails no comparison
    model_config = SettingsConfigDict(env_prefix="AGRISAFE_", extra="ignore", allow_inf_nan=False)

    data_dir: Path = Field(
        default=Path("var"),
        description="directory for SQLite stores, outboxes and evidence (created if missing)",
    )
    mqtt_url: str = Field(
        default=EMBEDDED,
        description="mqtt://host:1883, mqtts://host:8883 (TLS), with ?protocol=5 for MQTT 5; "
        "'embedded' runs the in-process broker",
    )
    mqtt_credentials: Path | None = Field(
        default=None,
        description="credentials.json from `agrisafe devices provision`: its mqtts:// URL "
        "(login, password, CA) replaces mqtt_url",
    )
    broker_host: str = Field(default="127.0.0.1", description="embedded broker bind address")
    broker_port: int = Field(default=1883, ge=0, le=65535, description="embedded broker port")
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR")
    log_json: bool = Field(default=False, description="one JSON object per log line")

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
        return value

    @field_validator("mqtt_credentials")
    @classmethod
    def _readable(cls, value: Path | None) -> Path | None:
        if value is not None:
            credentials_url(value)  # fail here, named after the variable
        return value

    @model_validator(mode="after")
    def _credentials(self) -> Self:
        # A provisioned identity's file, so secrets need not sit in an environment variable
        # or a compose file; read once at start (re-provisioning keeps the password).
        if self.mqtt_credentials is not None:
            self.mqtt_url = credentials_url(self.mqtt_credentials)
        return self

    @classmethod
    def load(cls, **overrides: Any) -> Self:
        """Build from the environment; non-None keyword overrides (CLI flags) win."""
        given = {k: v for k, v in overrides.items() if v is not None}
        try:
            return cls(**given)
        except ValidationError as err:
            lines = []
            for e in err.errors(include_url=False):
                name = "AGRISAFE_" + "_".join(str(p) for p in e["loc"]).upper()
                lines.append(f"{name}: {e['msg']}")
            raise SettingsError("invalid configuration:\n  " + "\n  ".join(lines)) from err

    def ensure_data_dir(self) -> Path:
        """Create the data directory if needed and return it."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir


def credentials_url(path: Path) -> str:
    """The broker URL of a `credentials.json` written by `agrisafe devices provision`."""
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot read {path}: {err}") from err
    url = doc.get("url") if isinstance(doc, dict) else None
    if not isinstance(url, str) or not url.startswith(("mqtt://", "mqtts://")):
        raise ValueError(f"{path} has no mqtt:// or mqtts:// url")
    return url
