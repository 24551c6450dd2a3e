"""API tokens and the audit trail."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agrisafe.protocol.bodies import Ident
from cloud.api.auth import Role
from cloud.api.schemas.common import Page


class TokenCreate(BaseModel):
    """A token for a role and its scope."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=128, description="who holds it (shown in audits)")
    role: Role = Field(description="regulator, producer, inspector, expert, device or admin")
    regions: list[str] | None = Field(default=None, description="6-digit region codes")
    sites: list[Ident] | None = Field(default=None, description="site ids")
    producer: str | None = Field(default=None, description="producer tokens: see its sites")
    device: Ident | None = Field(default=None, description="device tokens: the device id")
    expires_in_days: int | None = Field(
        default=None, ge=1, le=3650, description="lifetime (default AGRISAFE_TOKEN_TTL_DAYS)"
    )

    @model_validator(mode="after")
    def _scoped(self) -> "TokenCreate":
        if self.regions is not None and any(len(r) != 6 or not r.isdigit() for r in self.regions):
            raise ValueError("regions are 6-digit 行政区划 codes")
        needs = {
            Role.REGULATOR: self.regions,
            Role.PRODUCER: self.producer or self.sites,
            Role.DEVICE: self.device and self.sites,
            Role.INSPECTOR: self.regions or self.sites,
            Role.EXPERT: self.regions or self.sites,
        }
        if self.role in needs and not needs[self.role]:
            raise ValueError(
                f"a {self.role.value} token needs a scope "
                "(regulator: regions; producer: producer or sites; device: sites and device; "
                "inspector/expert: regions or sites)"
            )
        return self


class TokenCreated(BaseModel):
    """A new token: the secret is shown this once."""

    id: str
    token: str = Field(description="the bearer token; only its SHA-256 is stored")
    name: str
    role: Role
    regions: list[str] | None
    sites: list[str] | None
    producer: str | None
    device: str | None
    expires_ms: int = Field(description="refused from then on (epoch ms)")


class TokenPublic(BaseModel):
    """A token as listed: role, scope and revocation time, never the secret."""

    id: str
    name: str
    role: str
    regions: list[str] | None
    sites: list[str] | None
    producer: str | None
    device: str | None
    created_by: str
    created_ms: int
    revoked_ms: int | None
    expires_ms: int | None = Field(description="refused from then on; null = never")


class BootstrapDisabled(BaseModel):
    """The bootstrap admin token stopped working for good."""

    disabled: bool


class TokenRevoked(BaseModel):
    """A token that stopped working."""

    id: str
    revoked: bool


class AuditEntryPublic(BaseModel):
    """One audited change: who (and in which role) did what to which target, when."""

    id: int
    at_ms: int
    actor: str
    role: str
    action: str
    target: str
    detail: dict[str, Any]


class TokenPage(Page[TokenPublic]):
    """The API tokens."""


class AuditPage(Page[AuditEntryPublic]):
    """The audit trail, newest first."""
