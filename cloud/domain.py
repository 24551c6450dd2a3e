"""Shared domain types of the cloud: what ingest, rules, store, metrics and time series pass
between them. A leaf: it imports nothing else from `cloud`, so every cloud package may use it.

- a received message (`Incoming`, `Source`), why one is refused (`Rejection`), what happened
  to it (`Verdict`, `Outcome`) and a newly stored one (`StoredRecord`);
- what rules decide (`AlertDraft`, `LotBlock`, `Resolution`) and where opened alerts go
  (`AlertSink`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from agrisafe.protocol import (
    DEFAULT_SEVERITY,
    Alert,
    Envelope,
    FieldProblem,
    QuarantineReason,
    Rule,
    Severity,
)

MAX_MESSAGE_BYTES = 256 * 1024

# Who may send a message, decided on the validated envelope: (site, device) → why not, or None.
# HTTP passes one built from the caller's token; MQTT senders are checked by the registry.
ScopeCheck = Callable[[str, str], str | None]


# -- messages ------------------------------------------------------------------------------------
class Source(StrEnum):
    """How a message reached the cloud."""

    MQTT = "mqtt"
    HTTP = "http"
    REPLAY = "replay"


@dataclass(slots=True)
class Incoming:
    """One received message before validation."""

    payload: bytes
    topic: str | None
    source: Source
    received_ms: int
    token: tuple[int, int] | None = None  # MQTT (mid, qos) to acknowledge after commit
    generation: int = 0  # MQTT connection the token belongs to (a mid means nothing on another)


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a message goes to quarantine, with the fields at fault."""

    reason: QuarantineReason
    problems: list[FieldProblem] = field(default_factory=list)
    message_id: str | None = None

    @property
    def detail(self) -> str:
        """Human-readable reason stored with the raw bytes."""
        text = "; ".join(f"{p.field}: {p.reason}" for p in self.problems)
        return text or self.reason.value

    def as_dict(self) -> dict[str, object]:
        """JSON body for HTTP errors."""
        return {
            "reason": self.reason.value,
            "id": self.message_id,
            "errors": [p.as_dict() for p in self.problems],
        }


class Verdict(StrEnum):
    """What happened to one message."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class Outcome:
    """The fate of one message of a batch (same order as the batch)."""

    verdict: Verdict
    message_id: str | None = None
    rejection: Rejection | None = None


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A message a batch stored for the first time."""

    envelope: Envelope
    received_ms: int


# -- rule output ---------------------------------------------------------------------------------
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


class AlertSink(Protocol):
    """Where newly opened alerts go after commit (MQTT topics, webhooks …)."""

    def deliver(self, alerts: Sequence[Alert]) -> None:
        """Hand the alerts over for delivery; must not block for long."""


class CallbackSink:
    """An `AlertSink` that calls a function (scenario replay printing, tests collecting)."""

    def __init__(self, fn: Callable[[list[Alert]], object]) -> None:
        self._fn = fn

    def deliver(self, alerts: Sequence[Alert]) -> None:
        """Call the function with the alerts."""
        self._fn(list(alerts))
