"""Health, sites and quarantine."""

from typing import Any

from pydantic import BaseModel, Field

from cloud.api.schemas.common import Page


class WorkerState(BaseModel):
    """One MQTT ingest worker."""

    client_id: str
    connected: bool
    backlog: int
    stale_subscription: str | None = Field(
        default=None,
        description="a subscription an earlier run left in this worker's broker session "
        "(it doubled every message); found and removed at connect",
    )


class IngestProcessState(BaseModel):
    """One ingest worker process started by `serve --ingest-processes N` (its own report)."""

    index: int
    pid: int | None
    alive: bool
    restarts: int = Field(description="restarts of all worker processes of this instance")
    client_id: str | None = None
    connected: bool | None = None
    backlog: int | None = None
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0
    alerts: int = 0
    stale_subscription: str | None = None
    reported_ms: int | None = Field(default=None, description="when the process last reported")


class IngestCounts(BaseModel):
    """What the ingest in this process has done since it started."""

    received: int
    stored: int
    duplicates: int
    quarantined: dict[str, int] = Field(description="per reason")
    alerts: int


class HealthStatus(BaseModel):
    """Public liveness: nothing about the deployment beyond ok or degraded."""

    status: str = Field(description="ok, or degraded when the database does not answer")


class Health(BaseModel):
    """Liveness and the state of the dependencies (admin or metrics token)."""

    status: str = Field(description="ok, or degraded when the database does not answer")
    version: str
    database: str
    mqtt: str
    workers: list[WorkerState] = Field(description="MQTT ingest workers in this process")
    processes: list[IngestProcessState] = Field(
        default_factory=list, description="ingest worker processes (serve --ingest-processes)"
    )
    ingest: IngestCounts = Field(description="this process and its worker processes together")


class SitePage(Page[dict[str, Any]]):
    """Registered sites with plots, herds and devices."""


class DeviceRemoved(BaseModel):
    """A device taken off a site's allowed senders."""

    site: str
    device: str
    removed: bool


class SiteStored(BaseModel):
    """A registered site."""

    id: str
    status: str


class QuarantinedMessage(BaseModel):
    """A rejected message; `raw_text` when the bytes are UTF-8, else `raw_hex`."""

    id: int
    received_ms: int
    source: str
    topic: str | None
    reason: str
    detail: str
    message_id: str | None
    raw_text: str | None = None
    raw_hex: str | None = None


class QuarantinePage(Page[QuarantinedMessage]):
    """Rejected messages newest first, and how many per reason."""

    counts: dict[str, int]
