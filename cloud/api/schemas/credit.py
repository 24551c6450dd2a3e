"""Producer credit and the manual blacklist."""

from pydantic import BaseModel, ConfigDict, Field

from cloud.api.schemas.common import Page


class BlacklistBody(BaseModel):
    """Why a producer goes on (or comes off) the blacklist."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, description="the decision's grounds")


LIFTED_WITHOUT_REASON = "lifted (no reason given)"


class ManualFlag(BaseModel):
    """A regulator's blacklist decision."""

    producer: str
    blacklisted: bool
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


class BlacklistState(BaseModel):
    """The answer of both `PUT` and `DELETE .../blacklist`: the producer's standing after it.

    `manual_blacklist` is the regulator's decision while it stands, null once lifted;
    `blacklisted` may stay true after a lift when the score is below the threshold.
    """

    producer: str
    score: int
    level: str
    blacklisted: bool
    manual_blacklist: ManualFlag | None
