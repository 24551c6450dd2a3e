"""Cloud settings (env `AGRISAFE_*`, CLI flags override)."""

from pathlib import Path

from pydantic import Field, SecretStr

from agrisafe.settings import AgrisafeSettings
from cloud.ingest.decode import MAX_MESSAGE_BYTES


class CloudSettings(AgrisafeSettings):
    """Everything `agrisafe cloud serve` needs."""

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL (sqlite:///… or postgresql://…); default SQLite in data_dir",
    )
    admin_token: SecretStr | None = Field(
        default=None, description="bootstrap admin bearer token; generated and printed if unset"
    )
    auto_register: bool = Field(
        default=False, description="accept unknown sites/devices and register them"
    )
    registry_file: Path | None = Field(default=None, description="registry YAML to load")
    http_host: str = Field(default="127.0.0.1", description="API bind address")
    http_port: int = Field(default=8000, ge=0, le=65535, description="API port")
    ingest_workers: int = Field(default=1, ge=0, le=64, description="MQTT ingest workers")
    shared_subscription: bool | None = Field(
        default=None,
        description="use $share/agrisafe-ingest/… (default: on for external brokers)",
    )
    ingest_group: str = Field(
        default="agrisafe-ingest", description="shared-subscription group of the ingest workers"
    )
    max_message_bytes: int = Field(default=MAX_MESSAGE_BYTES, ge=1024)
    instance: str = Field(default="cloud", description="name used in MQTT client ids")
    # -- compliance core (issue 3) --------------------------------------------------------------
    public_url: str | None = Field(
        default=None,
        description="base URL of the public trace pages in certificate QR codes "
        "(default http://HTTP_HOST:HTTP_PORT)",
    )
    spraying_grace_h: float = Field(
        default=24.0, gt=0, description="unrecorded_spraying grace window in hours"
    )
    clock_skew_tolerance_s: int = Field(
        default=300, ge=0, description="clock_skew when event time leads arrival by more"
    )
    timer_tick_s: float = Field(
        default=5.0, gt=0, description="how often the rule clock fires due timers"
    )
    webhook_max_attempts: int = Field(
        default=10, ge=1, le=100, description="webhook delivery attempts before giving up"
    )
