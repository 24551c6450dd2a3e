"""Time series: the durable outbox in front of the time-series server, and the SQL adapter's points.

An independent branch from 0001 (other features add their own revisions; `migrate` upgrades all
heads).

Revision ID: 0002_timeseries
Revises: 0001_initial
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_timeseries"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ts_outbox",
        sa.Column("seq", Seq, primary_key=True, autoincrement=True),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("point", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("parked", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.Text),
    )
    op.create_index("ts_outbox_parked_seq", "ts_outbox", ["parked", "seq"])
    op.create_table(
        "ts_points",
        sa.Column("site", sa.String(128), primary_key=True),
        sa.Column("measurement", sa.String(64), primary_key=True),
        sa.Column("field", sa.String(64), primary_key=True),
        sa.Column("series", sa.String(1024), primary_key=True),
        sa.Column("ts_ms", sa.BigInteger, primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ts_points")
    op.drop_table("ts_outbox")
