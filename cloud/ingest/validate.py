"""The one validation pipeline every message goes through, MQTT and HTTP alike.

Order: size → topic → JSON safety → schema → topic agreement (`decode`), then, on the validated
envelope: the caller's scope (HTTP tokens) → the registered sender → its signature → the kinds
its device type may send → event time against arrival. Each step returns the envelope or a
`Rejection`. Nothing here writes.
"""

from dataclasses import dataclass

from agrisafe.protocol import Envelope, FieldProblem, QuarantineReason
from agrisafe.protocol.devices import kind_allowed
from agrisafe.timeutil import to_ms
from cloud.domain import MAX_MESSAGE_BYTES, Incoming, Rejection, ScopeCheck
from cloud.ingest.decode import decode
from cloud.ingest.kinds import DeviceTypes
from cloud.ingest.safety import MAX_DEPTH
from cloud.ingest.signature import Presigned, verify_sender
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

    def validate(
        self,
        item: Incoming,
        scope: ScopeCheck | None = None,
        presigned: Presigned | None = None,
    ) -> Envelope | Rejection:
        """The envelope, or why it goes to quarantine.

        `presigned` may answer the signature's cryptographic check (computed ahead on a pool).
        """
        result = decode(item, self.policy.max_message_bytes, self.policy.max_depth)
        if isinstance(result, Rejection):
            return result
        env = result
        rejection = (
            self._scope(env, scope)
            or self._sender(env)
            or self._signature(env, item, presigned)
            or self._kind(env)
            or self._time(env, item)
        )
        return env if rejection is None else rejection

    def _scope(self, env: Envelope, scope: ScopeCheck | None) -> Rejection | None:
        why = scope(env.site, env.device) if scope is not None else None
        if why is None:
            return None
        return Rejection(QuarantineReason.OUT_OF_SCOPE, [FieldProblem("site", why)], env.id)

    def _sender(self, env: Envelope) -> Rejection | None:
        if self.registry.check_sender(env.site, env.device):
            return None
        problem = FieldProblem(
            "device", f"device {env.device!r} is not registered at site {env.site!r}"
        )
        return Rejection(QuarantineReason.UNKNOWN_DEVICE, [problem], env.id)

    def _signature(
        self, env: Envelope, item: Incoming, presigned: Presigned | None
    ) -> Rejection | None:
        # Trust chain (issue 12): the registered sender's Ed25519 signature, where its site
        # requires one (or wherever one is present: a wrong signature never passes).
        result = verify_sender(item.payload, env, self.registry.keys, presigned)
        return result if isinstance(result, Rejection) else None

    def _kind(self, env: Envelope) -> Rejection | None:
        device_type = self.types.type_of(env.site, env.device)
        if kind_allowed(device_type, env.kind):
            return None
        problem = FieldProblem("kind", f"a {device_type} device may not send {env.kind.value}")
        return Rejection(QuarantineReason.KIND_NOT_ALLOWED, [problem], env.id)

    def _time(self, env: Envelope, item: Incoming) -> Rejection | None:
        problem = event_time_problem(to_ms(env.ts), item.received_ms, self.policy)
        if problem is None:
            return None
        return Rejection(QuarantineReason.EVENT_TIME, [problem], env.id)
