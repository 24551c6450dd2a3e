"""What rules return: alert drafts the alert store turns into alerts (or evidence on one)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agrisafe.protocol import DEFAULT_SEVERITY, Rule, Severity


@dataclass(frozen=True, slots=True)
class AlertDraft:
    """A violation found by a rule; one alert per (rule, site, subject, cause)."""

    rule: Rule
    site: str
    subject: str
    cause: str
    ts: datetime
    evidence: tuple[str, ...]
    detail: dict[str, Any] = field(default_factory=dict)
    severity: Severity | None = None

    @property
    def dedupe_key(self) -> str:
        """The key the database keeps unique among open alerts."""
        return f"{self.rule.value}|{self.site}|{self.subject}|{self.cause}"

    @property
    def effective_severity(self) -> Severity:
        """The draft's severity, or the rule's default."""
        return self.severity or DEFAULT_SEVERITY[self.rule]
