"""Alerts: the list, one alert with its history, lifecycle request bodies."""

from pydantic import BaseModel, ConfigDict, Field

from agrisafe.protocol import Alert
from cloud.api.schemas.admin import AuditEntryPublic
from cloud.api.schemas.common import Page


class AlertPage(Page[Alert]):
    """Alerts newest first (fields without a value are left out)."""


class AlertDetail(Alert):
    """An alert and every lifecycle change made to it (who, when, why)."""

    history: list[AuditEntryPublic] = Field(default_factory=list, description="oldest first")


class AcknowledgeBody(BaseModel):
    """Why (optional) the alert is acknowledged."""

    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=2000, description="free text")


class ResolveBody(BaseModel):
    """Why the alert is resolved; `dismiss` when it was wrong (gives the credit back)."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, description="why it is resolved")
    dismiss: bool = Field(default=False, description="the alert was wrong: refund its credit")
