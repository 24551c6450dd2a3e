"""The optional `sig` field of an envelope: a detached Ed25519 signature (docs/security.md)."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Signature(BaseModel):
    """Detached signature over the RFC 8785 (JCS) form of the envelope without `sig`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alg: Literal["Ed25519"] = Field(description="signature algorithm")
    key_id: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="the signer's key: first 16 hex digits of SHA-256 of the raw public key"
    )
    value: Annotated[str, Field(min_length=1, max_length=128)] = Field(
        description="the 64-byte signature, unpadded base64url"
    )
