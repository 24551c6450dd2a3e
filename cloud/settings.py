"""Cloud settings (env `AGRISAFE_*`, CLI flags override)."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator

from agrisafe.settings import AgrisafeSettings
from cloud.domain import MAX_MESSAGE_BYTES


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

    # -- ingest scale-out and flow control (docs/scaling.md) ---------------------------------
    ingest_processes: int = Field(
        default=0,
        ge=0,
        le=64,
        description="ingest worker processes `serve` starts and restarts (0: ingest in-process)",
    )
    ingest_batch_max: int = Field(
        default=1000, ge=1, le=20000, description="messages stored per transaction at most"
    )
    ingest_receive_maximum: int = Field(
        default=4000,
        ge=1,
        le=65535,
        description="MQTT 5 Receive Maximum: unacknowledged messages the broker may send us "
        "(acks wait for the commit, so keep it ≥ 2 × ingest_batch_max)",
    )
    ingest_session_expiry_s: int = Field(
        default=7 * 24 * 3600,
        ge=0,
        description="MQTT 5 session expiry of the ingest workers (the broker keeps their backlog)",
    )
    # -- ingest validation and fault isolation (docs/protocol.md, issue 13) -------------------
    ingest_max_depth: int = Field(
        default=32, ge=4, le=512, description="JSON nesting a message may have at most"
    )
    ingest_max_lead_s: int = Field(
        default=24 * 3600,
        ge=0,
        description="event time may lead arrival by this much; more is refused (event_time)",
    )
    ingest_max_age_s: int = Field(
        default=3 * 366 * 24 * 3600,
        ge=0,
        description="event time may trail arrival by this much; more is refused (event_time)",
    )
    ingest_max_attempts: int = Field(
        default=3,
        ge=1,
        le=100,
        description="store attempts of one message the database keeps refusing before it is "
        "dead-lettered (quarantined as internal)",
    )
    ingest_acks: bool = Field(
        default=True,
        description="publish end-to-end acks to senders after each commit "
        "(agrisafe/cloud/v1/ack/{site}/{device}; docs/protocol.md)",
    )
    # -- time series (docs/timeseries.md) -----------------------------------------------------
    timeseries: Literal["sql", "influxdb", "off"] = Field(
        default="sql", description="where points go: the SQL store, InfluxDB (or compatible), off"
    )
    influx_url: str | None = Field(
        default=None,
        validate_default=True,
        description="InfluxDB 2 / VictoriaMetrics base URL, e.g. http://host:8086",
    )
    influx_token: SecretStr | None = Field(default=None, description="InfluxDB API token")
    influx_org: str = Field(default="agrisafe", description="InfluxDB organisation")
    influx_bucket: str = Field(default="agrisafe", description="InfluxDB bucket")
    influx_query: Literal["prometheus", "flux"] = Field(
        default="prometheus",
        description="how /api/v1/series reads InfluxDB-side data: PromQL (VictoriaMetrics) "
        "or Flux (InfluxDB 2)",
    )
    influx_query_url: str | None = Field(
        default=None, description="query base URL if not influx_url"
    )
    timeseries_pump: bool = Field(
        default=True, description="run the outbox → time-series pump in this process"
    )
    metrics_token: SecretStr | None = Field(
        default=None, description="bearer token /metrics requires (default: none, like exporters)"
    )
    timeseries_batch: int = Field(
        default=5000, ge=1, le=100000, description="points per write to the time-series store"
    )

    @field_validator("influx_url")
    @classmethod
    def _influx_needs_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("timeseries") == "influxdb" and not value:
            raise ValueError("required when AGRISAFE_TIMESERIES=influxdb")
        return value

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
