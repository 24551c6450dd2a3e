"""Policy settings of the rules (not legal values: those live in the reference data)."""

from pydantic import Field

from agrisafe.config import StrictModel


class RulesConfig(StrictModel):
    """Tunable windows and tolerances; defaults follow protocol-v1.md where it gives one."""

    spraying_grace_h: float = Field(
        default=24.0, gt=0, description="unrecorded_spraying grace window (protocol default 24 h)"
    )
    spraying_confidence_floor: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="an unrecorded_spraying from a less confident activity is a `warning` "
        "(needs review), never `major`",
    )
    clock_skew_tolerance_s: int = Field(
        default=300, ge=0, description="clock_skew when event time is ahead of arrival by more"
    )
    lookback_days: int = Field(
        default=730,
        ge=1,
        description="farthest a rule looks back (records kept ≥ 2 years: 农产品质量安全法 Art.27)",
    )
    banned_block_days: int = Field(
        default=365,
        ge=1,
        description="a banned input blocks lots harvested from its plot's crop for this long",
    )
    activity_max_h: float = Field(
        default=24.0, gt=0, description="how far before its end an activity's start is looked for"
    )
