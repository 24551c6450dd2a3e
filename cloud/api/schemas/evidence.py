"""Stored evidence files."""

from pydantic import BaseModel, Field


class EvidencePublic(BaseModel):
    """Where an uploaded snapshot or clip is kept, by its SHA-256."""

    sha256: str
    bytes: int
    uri: str = Field(description="GET it here")


class EvidenceMismatch(BaseModel):
    """The body's SHA-256 differs from the one the sender stated: nothing stored."""

    detail: str
    claimed: str
    received: str
