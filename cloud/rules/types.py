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
    # Rules whose alerts are per subject rather than per cause (clock_skew: one open alert per
    # device, not one per skewed message) set the key explicitly.
    key: str | None = None

    @property
    def dedupe_key(self) -> str:
        """The key the database keeps unique among open alerts."""
        if self.key is not None:
            return self.key
        return f"{self.rule.value}|{self.site}|{self.subject}|{self.cause}"

    @property
    def effective_severity(self) -> Severity:
        """The draft's severity, or the rule's default."""
        return self.severity or DEFAULT_SEVERITY[self.rule]


@dataclass(frozen=True, slots=True)
class LotBlock:
    """A lot that may never get a certificate, and the fact that blocked it (for good)."""

    site: str
    lot: str
    reason: str  # phi_violation, withdrawal_violation, banned_input, positive_test
    cause: str  # the message id that opened the window / the test / the banned input
    ts_ms: int  # event time of the blocked harvest / dispatch (or of the test)
    cause_ts: str = ""  # RFC 3339 event time of the cause (a revocation's `ts`)
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Resolution:
    """An open alert a rule closes by itself (e.g. unrecorded_spraying on a late record)."""

    dedupe_key: str
    reason: str
    evidence: tuple[str, ...] = ()
