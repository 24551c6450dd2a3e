"""Webhooks and their deliveries."""

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from agrisafe.protocol import Rule
from cloud.api.schemas.common import Page


class WebhookCreate(BaseModel):
    """Where to POST alerts, and which."""

    model_config = ConfigDict(extra="forbid")
    url: HttpUrl = Field(description="receiver URL (http or https)")
    secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=128,
        description="HMAC key, 16 to 128 characters (a shorter one is refused with 422); "
        "generated if absent and shown once in the answer",
    )
    regions: list[str] | None = Field(default=None, description="only alerts of these regions")
    rules: list[Rule] | None = Field(default=None, description="only these rules")


class WebhookCreated(BaseModel):
    """A registered webhook; the secret is shown this once."""

    id: str
    url: str
    secret: str
    regions: list[str] | None
    rules: list[str] | None
    active: int
    created_by: str


class WebhookPublic(BaseModel):
    """A webhook as listed (without its secret)."""

    id: str
    url: str
    regions: list[str] | None
    rules: list[str] | None
    active: int
    created_by: str
    created_ms: int


class DeliveryPublic(BaseModel):
    """One delivery of an alert to a webhook."""

    id: int
    webhook_id: str
    alert_id: str
    status: str
    attempts: int
    next_ms: int
    last_error: str | None
    last_status: int | None
    delivered_ms: int | None


class WebhookPage(Page[WebhookPublic]):
    """Registered webhooks."""


class DeliveryPage(Page[DeliveryPublic]):
    """Recent deliveries, newest first."""


class WebhookDeactivated(BaseModel):
    """A webhook that no longer receives alerts."""

    id: str
    active: bool
