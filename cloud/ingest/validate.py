"""The one validation pipeline every message goes through, MQTT and HTTP alike.

Order: size → topic → JSON safety → schema → topic agreement (`decode`), then, on the validated
envelope: the caller's scope (HTTP tokens) → the registered sender → the kinds its device type
may send → event time against arrival. Each step returns the envelope or a `Rejection`; a
signature check slots in as one more step after `decode`. Nothing here writes.
"""

from dataclasses import dataclass

from agrisafe.protocol import Envelope, FieldProblem, QuarantineReason
from agrisafe.protocol.devices import kind_allowed
from agrisafe.timeutil import to_ms
from cloud.domain import MAX_MESSAGE_BYTES, Incoming, Rejection, ScopeCheck
from cloud.ingest.decode import decode
from cloud.ingest.kinds import DeviceTypes
from cloud.ingest.safety import MAX_DEPTH
from cloud.ingest.signature import verify_sender
from cloud.registry.service import RegistryService

DAY_S = 24 * 3600


@dataclass(frozen=True, slots=True)
class IngestPolicy:
    """Bounds of what ingest accepts (settings: AGRISAFE_INGEST_*)."""

    max_message_bytes: int = MAX_MESSAGE_BYTES
    max_depth: int = MAX_DEPTH
    # Event time may lead arrival by this much (clock_skew flags smaller leads as alerts) …
    max_lead_s: int = DAY_S
    # … and trail it by this much (an outbox offline for weeks stays well inside).
    max_age_s: int = 3 * 366 * DAY_S


def event_time_problem(ts_ms: int, received_ms: int, policy: IngestPolicy) -> FieldProblem | None:
    """Why an event time is out of bounds relative to its arrival, or None."""
    lead_s = (ts_ms - received_ms) / 1000
    if lead_s > policy.max_lead_s:
        return FieldProblem("ts", f"{lead_s:.0f} s after arrival (at most {policy.max_lead_s})")
    if -lead_s > policy.max_age_s:
        return FieldProblem("ts", f"{-lead_s:.0f} s before arrival (at most {policy.max_age_s})")
    return None


class Validator:
    """Runs the pipeline for one message at a time (pure apart from the cached registry reads)."""

    def __init__(
        self, registry: RegistryService, types: DeviceTypes, policy: IngestPolicy | None = None
    ) -> None:
        self.registry = registry
        self.types = types
        self.policy = policy or IngestPolicy()

    def validate(self, item: Incoming, scope: ScopeCheck | None = None) -> Envelope | Rejection:
        """The envelope, or why it goes to quarantine."""
        result = decode(item, self.policy.max_message_bytes, self.policy.max_depth)
        if isinstance(result, Rejection):
            return result
        env = result
        for step in (self._scope, self._sender, self._signature, self._kind, self._time):
            rejection = step(env, item, scope)
            if rejection is not None:
                return rejection
        return env

    def _scope(self, env: Envelope, _item: Incoming, scope: ScopeCheck | None) -> Rejection | None:
        why = scope(env.site, env.device) if scope is not None else None
        if why is None:
            return None
        return Rejection(QuarantineReason.OUT_OF_SCOPE, [FieldProblem("site", why)], env.id)

    def _sender(self, env: Envelope, _item: Incoming, _s: ScopeCheck | None) -> Rejection | None:
        if self.registry.check_sender(env.site, env.device):
            return None
        problem = FieldProblem(
            "device", f"device {env.device!r} is not registered at site {env.site!r}"
        )
        return Rejection(QuarantineReason.UNKNOWN_DEVICE, [problem], env.id)

    def _signature(self, env: Envelope, item: Incoming, _s: ScopeCheck | None) -> Rejection | None:
        # Trust chain (issue 12): the registered sender's Ed25519 signature, where its site
        # requires one (or wherever one is present: a wrong signature never passes).
        result = verify_sender(item.payload, env, self.registry.keys)
        return result if isinstance(result, Rejection) else None

    def _kind(self, env: Envelope, _item: Incoming, _s: ScopeCheck | None) -> Rejection | None:
        device_type = self.types.type_of(env.site, env.device)
        if kind_allowed(device_type, env.kind):
            return None
        problem = FieldProblem("kind", f"a {device_type} device may not send {env.kind.value}")
        return Rejection(QuarantineReason.KIND_NOT_ALLOWED, [problem], env.id)

    def _time(self, env: Envelope, item: Incoming, _s: ScopeCheck | None) -> Rejection | None:
        problem = event_time_problem(to_ms(env.ts), item.received_ms, self.policy)
        if problem is None:
            return None
        return Rejection(QuarantineReason.EVENT_TIME, [problem], env.id)
