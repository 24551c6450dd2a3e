"""The protocol v1 envelope: one JSON object per message, with a kind-specific body.

Each kind has its own envelope class so that the body is typed and JSON Schemas come out per
kind; `Envelope` is the discriminated union of them and `parse_envelope` the one entry point.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    model_validator,
)

from agrisafe.protocol.bodies import (
    ActivityBody,
    CertificateRequestBody,
    CommandResultBody,
    DispatchBody,
    HarvestBody,
    Ident,
    InputUseBody,
    RapidTestBody,
    SampleBody,
    StatusBody,
    TelemetryBody,
    TreatmentBody,
)
from agrisafe.protocol.enums import GeoFix, Kind
from agrisafe.protocol.signature import Signature
from agrisafe.timeutil import format_rfc3339, parse_rfc3339

PROTOCOL_VERSION = 1


def _rfc3339(value: Any) -> datetime:
    # Python callers may pass an aware datetime; JSON always brings a string.
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: protocol times carry an offset")
        return value
    if not isinstance(value, str):
        raise ValueError("must be an RFC 3339 string such as 2026-05-01T08:30:00+08:00")
    return parse_rfc3339(value)


Rfc3339 = Annotated[
    datetime,
    BeforeValidator(_rfc3339),
    PlainSerializer(format_rfc3339, return_type=str),
    Field(json_schema_extra={"type": "string", "format": "date-time"}),
]

MessageId = Annotated[
    str,
    Field(
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
        description="globally unique message id (UUIDv7 or ULID); the idempotency key",
    ),
]


class Geo(BaseModel):
    """Position of the sender when the event happened."""

    model_config = ConfigDict(extra="allow", frozen=True)

    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    alt: float | None = None
    fix: GeoFix = GeoFix.GPS
    hdop: Annotated[float, Field(ge=0)] | None = None
    quality: str | None = Field(
        default=None,
        max_length=32,
        description="GNSS fix quality from NMEA (gps, dgps, rtk, float, estimated …)",
    )

    @model_validator(mode="after")
    def _position_unless_no_fix(self) -> "Geo":
        if self.fix is not GeoFix.NONE and (self.lat is None or self.lon is None):
            raise ValueError("geo needs lat and lon unless fix is 'none'")
        return self


class EnvelopeBase(BaseModel):
    """Fields every message carries. Unknown extra fields are kept (forward compatibility)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    v: Literal[1] = Field(description="protocol version")
    id: MessageId
    site: Ident = Field(description="production base id")
    device: Ident = Field(description="sender: device id or user terminal id")
    ts: Rfc3339 = Field(description="event time, RFC 3339 with offset")
    geo: Geo | None = None
    sig: Signature | None = Field(
        default=None,
        description="detached Ed25519 signature of the sender (required where the site says so)",
    )

    def to_json(self) -> bytes:
        """Serialise as protocol JSON (extra fields included)."""
        return orjson.dumps(self.model_dump(mode="json", exclude_none=True))


class ActivityEnvelope(EnvelopeBase):
    """Envelope of kind `activity`."""

    kind: Literal[Kind.ACTIVITY]
    body: ActivityBody


class InputUseEnvelope(EnvelopeBase):
    """Envelope of kind `input_use`."""

    kind: Literal[Kind.INPUT_USE]
    body: InputUseBody


class HarvestEnvelope(EnvelopeBase):
    """Envelope of kind `harvest`."""

    kind: Literal[Kind.HARVEST]
    body: HarvestBody


class TreatmentEnvelope(EnvelopeBase):
    """Envelope of kind `treatment`."""

    kind: Literal[Kind.TREATMENT]
    body: TreatmentBody


class DispatchEnvelope(EnvelopeBase):
    """Envelope of kind `dispatch`."""

    kind: Literal[Kind.DISPATCH]
    body: DispatchBody


class RapidTestEnvelope(EnvelopeBase):
    """Envelope of kind `rapid_test`."""

    kind: Literal[Kind.RAPID_TEST]
    body: RapidTestBody


class SampleEnvelope(EnvelopeBase):
    """Envelope of kind `sample`: the position is part of the record."""

    kind: Literal[Kind.SAMPLE]
    body: SampleBody

    @model_validator(mode="after")
    def _needs_fix(self) -> "SampleEnvelope":
        if self.geo is None or self.geo.fix is GeoFix.NONE:
            raise ValueError("a sample needs geo with a position fix")
        return self


class CertificateRequestEnvelope(EnvelopeBase):
    """Envelope of kind `certificate_request`."""

    kind: Literal[Kind.CERTIFICATE_REQUEST]
    body: CertificateRequestBody


class StatusEnvelope(EnvelopeBase):
    """Envelope of kind `status` (retained)."""

    kind: Literal[Kind.STATUS]
    body: StatusBody


class TelemetryEnvelope(EnvelopeBase):
    """Envelope of kind `telemetry`."""

    kind: Literal[Kind.TELEMETRY]
    body: TelemetryBody


class CommandResultEnvelope(EnvelopeBase):
    """Envelope of kind `command_result` (a device's answer to a downlink command)."""

    kind: Literal[Kind.COMMAND_RESULT]
    body: CommandResultBody


ENVELOPE_TYPES: dict[Kind, type[EnvelopeBase]] = {
    Kind.ACTIVITY: ActivityEnvelope,
    Kind.INPUT_USE: InputUseEnvelope,
    Kind.HARVEST: HarvestEnvelope,
    Kind.TREATMENT: TreatmentEnvelope,
    Kind.DISPATCH: DispatchEnvelope,
    Kind.RAPID_TEST: RapidTestEnvelope,
    Kind.SAMPLE: SampleEnvelope,
    Kind.CERTIFICATE_REQUEST: CertificateRequestEnvelope,
    Kind.STATUS: StatusEnvelope,
    Kind.TELEMETRY: TelemetryEnvelope,
    Kind.COMMAND_RESULT: CommandResultEnvelope,
}

Envelope = Annotated[
    ActivityEnvelope
    | InputUseEnvelope
    | HarvestEnvelope
    | TreatmentEnvelope
    | DispatchEnvelope
    | RapidTestEnvelope
    | SampleEnvelope
    | CertificateRequestEnvelope
    | StatusEnvelope
    | TelemetryEnvelope
    | CommandResultEnvelope,
    Field(discriminator="kind"),
]

ENVELOPE_ADAPTER: TypeAdapter[Envelope] = TypeAdapter(Envelope)
