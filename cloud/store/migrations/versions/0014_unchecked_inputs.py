"""Applications no reference data could check when they arrived (cloud/store/lots.py).

Revision ID: 0014_unchecked_inputs
Revises: 0012_commands
Create Date: 2026-12-05

A certificate request looks for them as far back as the rules look (730 days); reading every
input_use of the plot that far back cost the rule engine half its speed with a million stored
events. Applications stored before this revision are not listed: for them a lot is held only
within the longest known PHI, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_unchecked_inputs"
down_revision: str | None = "0012_commands"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unchecked_inputs",
        sa.Column("id", sa.String(64), primary_key=True, comment="the input_use message id"),
        sa.Column("site", sa.String(128), nullable=False),
        sa.Column("plot", sa.String(128), nullable=False),
        sa.Column("ts_ms", sa.BigInteger, nullable=False),
        comment="applications no reference data could check when they arrived: they hold the "
        "certificates of the plot's later lots as far back as the rules look (rules.snapshot)",
    )
    op.create_index("unchecked_inputs_plot", "unchecked_inputs", ["site", "plot", "ts_ms"])


def downgrade() -> None:
    op.drop_index("unchecked_inputs_plot", table_name="unchecked_inputs")
    op.drop_table("unchecked_inputs")
