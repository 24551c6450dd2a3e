"""Producer credit and the manual blacklist."""

from pydantic import BaseModel, ConfigDict, Field

from cloud.api.schemas.common import Page


class BlacklistBody(BaseModel):
    """Why a producer goes on (or comes off) the blacklist."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, description="the decision's grounds")


class ManualFlag(BaseModel):
    """A regulator's blacklist decision."""

    producer: str
    blacklisted: int
    reason: str
    by: str
    at_ms: int


class CreditEvent(BaseModel):
    """One change of a producer's score and the alert behind it."""

    id: int
    producer: str
    alert_id: str
    rule: str
    delta: int
    reason: str
    at_ms: int


class CreditSummary(BaseModel):
    """Score, level and blacklist state of a producer, with its sites in the caller's scope."""

    producer: str
    score: int
    level: str
    blacklisted: bool
    manual_blacklist: ManualFlag | None
    sites: list[str]


class CreditStanding(BaseModel):
    """Score, level, blacklist state and every change with its alert."""

    producer: str
    score: int
    level: str
    blacklisted: bool
    manual_blacklist: ManualFlag | None
    events: list[CreditEvent]


class CreditPage(Page[CreditSummary]):
    """The producers in the caller's scope."""


class BlacklistSet(BaseModel):
    """A producer put on the blacklist."""

    producer: str
    blacklisted: bool


class BlacklistLifted(BaseModel):
    """A manual blacklisting lifted."""

    producer: str
    manual_blacklist: bool
