"""Stored evidence files."""

from pydantic import BaseModel, Field


class EvidencePublic(BaseModel):
    """Where an uploaded snapshot or clip is kept, by its SHA-256."""

    sha256: str
    bytes: int
    uri: str = Field(description="GET it here")
    site: str = Field(description="the site it is held for (and counted against)")
    media: str = Field(description="media type, decided from the file's first bytes")


class EvidenceMismatch(BaseModel):
    """The body's SHA-256 differs from the one the sender stated: nothing stored."""

    detail: str
    claimed: str
    received: str
