"""Cloud settings (env `AGRISAFE_*`, CLI flags override)."""

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator

from agrisafe.settings import AgrisafeSettings, SettingsError
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
    signing_key: Path | None = Field(
        default=None,
        description="the cloud's Ed25519 key (PEM) that signs daily chain anchors "
        "(default DATA_DIR/trust/cloud-ed25519.pem, created on first start)",
    )
    anchor_interval_s: float = Field(
        default=600.0, gt=0, description="how often to check whether today's anchors exist"
    )
    anchor_log_dir: Path | None = Field(
        default=None,
        description="directory of the append-only anchor log anchors.jsonl, one signed anchor "
        "a line, kept outside the database (default DATA_DIR/anchors; best on other storage)",
    )
    anchor_slack_s: float = Field(
        default=3600.0,
        ge=0,
        description="`audit verify` reports a gap when a site with records has no anchor for "
        "a day + anchor_interval_s + this long",
    )
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
    instance: str | None = Field(
        default=None,
        description="name in this cloud's MQTT client ids ({instance}-ingest-N); default "
        "cloud-<random>, made once and kept in DATA_DIR/instance, so it is unique per "
        "instance and stable across restarts (the broker resumes the same sessions)",
    )

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
        default=65535,
        ge=1,
        le=65535,
        description="MQTT 5 Receive Maximum: unacknowledged messages the broker may send us "
        "(≥ 2 × ingest_batch_max; in-flight messages escape a stock broker's 1,000-message queue)",
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

    # -- API hardening (issue 13) ---------------------------------------------------------------
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="largest request body on routes without their own limit (413 beyond it)",
    )
    evidence_max_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="largest evidence upload (413 beyond it)"
    )
    evidence_quota_bytes: int = Field(
        default=10 * 1024**3,
        ge=0,
        description="evidence bytes a site's devices (cameras) may upload (507 beyond it)",
    )
    evidence_people_quota_bytes: int = Field(
        default=1024**3,
        ge=0,
        description=(
            "evidence bytes people (producer, inspector, admin tokens) may upload per site, "
            "apart from the devices' quota so they can never use it up (507 beyond it)"
        ),
    )
    token_ttl_days: int = Field(
        default=90, ge=1, le=3650, description="default lifetime of a new API token"
    )
    sse_streams_per_token: int = Field(
        default=4, ge=1, le=1000, description="concurrent live streams per token (429 beyond it)"
    )
    sse_token_recheck_s: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description="an idle live stream re-checks its token this often (and before each event); "
        "revoked or expired, the stream ends",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="allow webhook targets on loopback, private or link-local addresses",
    )
    webhook_concurrency: int = Field(
        default=8, ge=1, le=256, description="webhook deliveries in flight at once"
    )
    quarantine_max_age_days: float = Field(
        default=30.0, gt=0, description="rejected messages older than this are purged"
    )
    quarantine_max_rows: int = Field(
        default=100_000, ge=100, description="newest rejected messages kept at most"
    )
    quarantine_purge_s: float = Field(
        default=600.0, gt=0, description="how often the quarantine retention runs"
    )


MIN_SECRET_CHARS = 32
# Placeholders shipped in `.env.example` and old compose files: a cloud started with one of these
# would be open to anyone who read this repository.
KNOWN_DEFAULT_SECRETS = frozenset(
    {
        "change-me-admin-token",
        "change-me-influx-token",
        "change-me-metrics-token",
        "CHANGE_ME_ADMIN_TOKEN_AT_LEAST_32_CHARACTERS",
        "CHANGE_ME_METRICS_TOKEN_AT_LEAST_32_CHARACTERS",
        "test-admin-token",
        "admin",
        "secret",
    }
)


INSTANCE_FILE = "instance"


def instance_name(settings: CloudSettings) -> str:
    """`settings.instance`, else this data directory's own name (made on first use).

    Never a fixed `cloud`: two clouds on one broker with one client id would throw each other
    off, and a worker that joins another's session receives its messages.
    """
    if settings.instance:
        return settings.instance
    path = settings.ensure_data_dir() / INSTANCE_FILE
    try:
        name = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        name = ""
    if not name:
        name = f"cloud-{secrets.token_hex(4)}"
        path.write_text(name + "\n", encoding="utf-8")
    return name


def weak_secret(value: str) -> str | None:
    """Why a bearer secret must not be used (None: acceptable)."""
    if value in KNOWN_DEFAULT_SECRETS or value.upper().startswith("CHANGE_ME"):
        return "is a published placeholder; set your own random value"
    if len(value) < MIN_SECRET_CHARS:
        return f"is shorter than {MIN_SECRET_CHARS} characters"
    return None


def refuse_weak_secrets(settings: CloudSettings) -> None:
    """Refuse to start with a known default or short admin/metrics token (SettingsError)."""
    for name, secret in (
        ("AGRISAFE_ADMIN_TOKEN", settings.admin_token),
        ("AGRISAFE_METRICS_TOKEN", settings.metrics_token),
    ):
        if secret is None:
            continue
        why = weak_secret(secret.get_secret_value())
        if why is not None:
            raise SettingsError(
                f"{name} {why} (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'`)"
            )
