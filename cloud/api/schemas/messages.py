"""Results of posted envelopes."""

from pydantic import BaseModel


class FieldError(BaseModel):
    """A field at fault and why."""

    field: str
    reason: str


class MessageResult(BaseModel):
    """What became of one envelope; `reason` and `errors` only when it was quarantined."""

    id: str | None
    status: str
    reason: str | None = None
    errors: list[FieldError] | None = None


class BatchResult(BaseModel):
    """One result per envelope of a posted array, in order."""

    results: list[MessageResult]
