"""Merge the compliance and time-series branches into one line of history.

Databases migrated before this revision carry both `0002_*` heads (`migrate` used to upgrade
"heads"); this merge takes them, and a fresh database passes both branches then this, so from
here on there is exactly one head and every later revision follows it.

Revision ID: 0003_one_head
Revises: 0002_compliance, 0002_timeseries
Create Date: 2026-12-01
"""

from collections.abc import Sequence

revision: str = "0003_one_head"
down_revision: str | Sequence[str] | None = ("0002_compliance", "0002_timeseries")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: the merge only joins the two histories."""


def downgrade() -> None:
    """Nothing to undo."""
