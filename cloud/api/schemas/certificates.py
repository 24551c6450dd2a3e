"""Certificate decisions as the API shows them."""

from typing import Any

from pydantic import BaseModel, Field

from cloud.api.schemas.common import Page


class CertificatePublic(BaseModel):
    """An issued, refused or revoked certificate; `revoked_at` only when revoked."""

    id: str
    request_id: str = Field(description="id of the certificate_request message")
    site: str
    region: str
    lot: str
    status: str = Field(description="issued, refused or revoked")
    reasons: list[dict[str, Any]] = Field(description="why refused or revoked")
    commodity: str
    qty_kg: float
    basis: list[str]
    producer: str | None
    content: dict[str, Any] = Field(description="what the certificate says")
    decided_at: str
    requested_at: str
    revoked_at: str | None = None


class CertificatePage(Page[CertificatePublic]):
    """Certificate decisions, newest first."""
