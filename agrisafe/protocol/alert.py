"""Alerts raised by the cloud's rules and delivered to regulators."""

from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field

from agrisafe.protocol.enums import AlertStatus, Rule, Severity
from agrisafe.protocol.envelope import Rfc3339

# protocol-v1.md "Default severities".
DEFAULT_SEVERITY: dict[Rule, Severity] = {
    Rule.PHI_VIOLATION: Severity.CRITICAL,
    Rule.WITHDRAWAL_VIOLATION: Severity.CRITICAL,
    Rule.BANNED_PESTICIDE: Severity.CRITICAL,
    Rule.CERTIFICATE_REVOKED: Severity.CRITICAL,
    Rule.RAPID_TEST_POSITIVE: Severity.MAJOR,
    Rule.UNRECORDED_SPRAYING: Severity.MAJOR,
    Rule.CERTIFICATE_REFUSED: Severity.MAJOR,
    Rule.MAX_APPLICATIONS: Severity.MAJOR,
    Rule.UNKNOWN_INPUT: Severity.MINOR,
    Rule.SAMPLE_OUT_OF_GEOFENCE: Severity.MINOR,
    Rule.DEVICE_OFFLINE: Severity.WARNING,
    Rule.CLOCK_SKEW: Severity.WARNING,
    Rule.RAPID_TEST_INCONSISTENT: Severity.MAJOR,
    Rule.ID_CONFLICT: Severity.MAJOR,
}


class Alert(BaseModel):
    """An alert as stored, listed, streamed and published (protocol-v1.md "Alerts")."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    rule: Rule
    severity: Severity
    site: str
    subject: str = Field(description="plot:{id}, herd:{id}, lot:{id}, sample:{id} or device:{id}")
    ts: Rfc3339 = Field(description="event time of the fact that completed the violation")
    status: AlertStatus
    evidence: list[str] = Field(default_factory=list, description="message ids")
    detail: dict[str, Any] = Field(default_factory=dict)
    cause: str = Field(description="id of the fact that opened the window (dedupe key part)")
    region: str | None = Field(default=None, description="6-digit 行政区划 code of the site")
    raised_at: Rfc3339 | None = Field(default=None, description="when the cloud raised it")
    acknowledged_by: str | None = Field(default=None, description="who acknowledged it")
    acknowledged_at: Rfc3339 | None = Field(default=None, description="when it was acknowledged")
    resolved_by: str | None = Field(
        default=None, description="who resolved it ('system' if a rule did)"
    )
    resolved_at: Rfc3339 | None = Field(default=None, description="when it was resolved")
    resolution: str | None = Field(default=None, description="why it was resolved")

    def to_json(self) -> bytes:
        """Serialise as protocol JSON."""
        return orjson.dumps(self.model_dump(mode="json", exclude_none=True))
