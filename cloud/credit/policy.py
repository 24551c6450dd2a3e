"""The credit formula (pure). Documented in docs/compliance.md "Credit and blacklist".

score = clamp(100 + Σ deltas, 0, 100), where each alert a producer is responsible for adds one
negative delta when it opens (by severity), and a regulator's dismissal (or an automatic
`late_record` resolution) adds the opposite delta, referencing the same alert: every change is
traceable to an alert. Levels: A ≥ 90, B ≥ 75, C ≥ 60, D below. A producer is blacklisted when
the score falls below `blacklist_below` or a regulator put it on the blacklist by hand.
These are policy defaults of this system, not legal values; regulators tune them.
"""

from pydantic import BaseModel, ConfigDict, Field

from agrisafe.protocol import Rule

# Alerts that say something about the producer's conduct. device_offline, clock_skew,
# sample_out_of_geofence (the inspector's device), unknown_input (missing reference data) and
# rapid_test_inconsistent (a result contradicting its own figure may be the tester's error; it
# blocks the lot, but accuses nobody until a confirmatory test) do not; certificate_refused /
# certificate_revoked follow from another alert already counted; id_conflict is raised on the
# site whose message was refused (the victim, not the sender that took the id first).
PRODUCER_RULES = frozenset(
    {
        Rule.PHI_VIOLATION,
        Rule.WITHDRAWAL_VIOLATION,
        Rule.BANNED_PESTICIDE,
        Rule.MAX_APPLICATIONS,
        Rule.UNRECORDED_SPRAYING,
        Rule.RAPID_TEST_POSITIVE,
    }
)


class CreditPolicy(BaseModel):
    """Penalties per severity, level bounds and the blacklist threshold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: int = Field(default=100, description="score of a producer with no violations")
    penalty: dict[str, int] = Field(
        default={"critical": 20, "major": 10, "minor": 2, "warning": 0},
        description="points lost per alert, by severity",
    )
    levels: dict[str, int] = Field(
        default={"A": 90, "B": 75, "C": 60},
        description="lowest score of each level; below the last one the level is D",
    )
    blacklist_below: int = Field(default=60, description="blacklisted when the score is below")

    def delta(self, rule: Rule, severity: str) -> int:
        """Points an opened alert costs (0 when the rule does not count)."""
        if rule not in PRODUCER_RULES:
            return 0
        return -abs(self.penalty.get(severity, 0))

    def score(self, deltas: list[int]) -> int:
        """The score from its events."""
        return max(0, min(self.start, self.start + sum(deltas)))

    def level(self, score: int) -> str:
        """A, B, C or D."""
        for name, lowest in sorted(self.levels.items(), key=lambda kv: -kv[1]):
            if score >= lowest:
                return name
        return "D"

    def blacklisted(self, score: int, manual: bool) -> bool:
        """On the blacklist by score or by a regulator's decision."""
        return manual or score < self.blacklist_below
