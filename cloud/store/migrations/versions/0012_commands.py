"""Downlink commands and their answers (cloud/store/command_tables.py).

Revision ID: 0012_commands
Revises: 0010_console
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

# Migrations stand alone: they do not import the live table modules.
Json = sa.JSON().with_variant(JSONB(), "postgresql")

revision: str = "0012_commands"
down_revision: str | None = "0010_console"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "device_commands",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("site", sa.String(128), nullable=False),
        sa.Column("device", sa.String(128), nullable=False),
        sa.Column("name", sa.String(32), nullable=False, comment="snapshot, set_zones, …"),
        sa.Column("params", Json, nullable=False),
        sa.Column("issued_by", sa.String(128), nullable=False),
        sa.Column("issued_ms", sa.BigInteger, nullable=False),
        sa.Column("expires_ms", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, comment="sent, done, refused or failed"),
        sa.Column("detail", sa.Text, comment="the device's reason or note"),
        sa.Column("evidence", Json, comment="evidence the device made (snapshot)"),
        sa.Column("result_record", sa.String(64), comment="id of the command_result record"),
        sa.Column("answered_ms", sa.BigInteger),
    )
    op.create_index("device_commands_site_issued", "device_commands", ["site", "issued_ms"])


def downgrade() -> None:
    op.drop_index("device_commands_site_issued", table_name="device_commands")
    op.drop_table("device_commands")
