"""Downlink commands: the cloud → device half of protocol v1 (docs/protocol.md, "Commands").

The cloud publishes a `Command` on `agrisafe/v1/{site}/{device}/cmd/{name}` (QoS 1, signed with
the cloud's Ed25519 key); the site's gateway relays it to the device, which answers with a
`command_result` envelope through its outbox like any other message — so the answer is signed,
acknowledged end to end and chained like every record. `agrisafe.identity.downlink` holds the
one check that the gateway and the device both run on what arrives.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from agrisafe.protocol.bodies import Ident
from agrisafe.protocol.enums import CommandName
from agrisafe.protocol.envelope import MessageId, Rfc3339
from agrisafe.protocol.signature import Signature

MAX_COMMAND_BYTES = 64 * 1024
Point = tuple[float, float]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SnapshotParams(_Params):
    """A still of one camera now (every camera when `camera` is left out), as evidence."""

    camera: Ident | None = None


class ZonesParams(_Params):
    """The camera's plot polygons (pixels of its frame) replace the current ones."""

    camera: Ident
    plots: Annotated[
        dict[Ident, Annotated[list[Point], Field(min_length=3, max_length=64)]],
        Field(min_length=1, max_length=64),
    ]


class ThresholdsParams(_Params):
    """The detector's minimum score, overall and per class (until the node restarts)."""

    conf: Annotated[float, Field(ge=0.05, le=0.95)] | None = None
    class_conf: dict[Ident, Annotated[float, Field(ge=0.05, le=0.95)]] = Field(
        default_factory=dict, max_length=32
    )


class ModelParams(_Params):
    """Switch to an installed model version (this release's edge answers `refused`)."""

    version: Ident


PARAMS: dict[CommandName, type[_Params]] = {
    CommandName.SNAPSHOT: SnapshotParams,
    CommandName.SET_ZONES: ZonesParams,
    CommandName.SET_THRESHOLDS: ThresholdsParams,
    CommandName.SET_MODEL: ModelParams,
}


class Command(BaseModel):
    """One command from the cloud to one device."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1] = 1
    id: MessageId
    site: Ident
    device: Ident
    name: CommandName
    params: dict[str, Any] = Field(default_factory=dict)
    issued: Rfc3339 = Field(description="when the cloud issued it")
    expires: Rfc3339 = Field(description="a device refuses it after this time")
    by: Annotated[str, Field(min_length=1, max_length=128)] = Field(
        description="who issued it (the audit trail has the rest)"
    )
    sig: Signature | None = Field(default=None, description="the cloud's Ed25519 signature")

    def to_json(self) -> bytes:
        """Serialise as protocol JSON (without `sig` when unsigned)."""
        return orjson.dumps(self.model_dump(mode="json", exclude_none=True))

    def typed_params(self) -> _Params:
        """The params as the command's own model (raises `ValidationError` when wrong)."""
        return PARAMS[self.name].model_validate(self.params)


class Refusal(StrEnum):
    """Why a command was not executed (gateway quarantine reason or device answer)."""

    MALFORMED = "malformed"
    TOPIC_MISMATCH = "topic_mismatch"
    NOT_FOR_US = "not_for_us"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    BAD_PARAMS = "bad_params"


@dataclass(frozen=True, slots=True)
class Refused:
    """A command that must not be executed, and why."""

    reason: Refusal
    detail: str
    command: Command | None = None  # when it parsed: the device answers it as refused
