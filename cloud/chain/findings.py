"""What `audit verify` reports: the kinds of problem, one finding each, a site's report."""

from dataclasses import dataclass, field
from enum import StrEnum


class Problem(StrEnum):
    """What verification found wrong."""

    EDITED = "edited"
    DELETED = "deleted"
    INSERTED = "inserted"
    LINKS_MISSING = "links_missing"
    HEAD_MISMATCH = "head_mismatch"
    ANCHOR_MISMATCH = "anchor_mismatch"
    ANCHOR_SIGNATURE = "anchor_signature"
    # A signed anchor names a link past the chain's last one: the newest links were removed.
    CHAIN_TRUNCATED = "chain_truncated"
    # An anchor in the external anchor file is absent from the database, or the database's
    # anchor of that site and day is a different one.
    ANCHOR_MISSING = "anchor_missing"
    ANCHOR_DIFFERS = "anchor_differs"
    # A line of the external anchor file holds no anchor (a write torn by a power cut, or an
    # edit): whatever it held is not checked; every other line is.
    ANCHOR_LOG_DAMAGED = "anchor_log_damaged"
    # Records exist but no valid anchor covers a stretch longer than the anchor cadence allows.
    ANCHOR_GAP = "anchor_gap"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, naming the record (or chain position) it concerns."""

    problem: Problem
    record: str | None
    seq: int | None
    detail: str


@dataclass
class Report:
    """The outcome of verifying one site over a time range."""

    site: str
    checked: int = 0
    anchors: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """True when nothing was found."""
        return not self.findings
