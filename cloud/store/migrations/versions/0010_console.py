"""Consultation cases and their threads (cloud/store/consult_tables.py), for the console.

Revision ID: 0010_console
Revises: 0008_trust_chain
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

# Migrations stand alone: they do not import the live table modules.
Json = sa.JSON().with_variant(JSONB(), "postgresql")

revision: str = "0010_console"
down_revision: str | None = "0008_trust_chain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consult_cases",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("site", sa.String(128), nullable=False),
        sa.Column("region", sa.String(16), nullable=False),
        sa.Column("opened_by", sa.String(128), nullable=False),
        sa.Column("opened_role", sa.String(16), nullable=False),
        sa.Column("subject_kind", sa.String(8), nullable=False, comment="crop or herd"),
        sa.Column("crop", sa.String(64), comment="the crop, Chinese name (crop cases)"),
        sa.Column("plot", sa.String(128)),
        sa.Column("herd", sa.String(128)),
        sa.Column("species", sa.String(32), comment="the herd's species (herd cases)"),
        sa.Column("symptoms", sa.Text, nullable=False),
        sa.Column("location", Json, comment="GeoJSON Point where the problem was seen"),
        sa.Column("attachments", Json, nullable=False, comment="evidence SHA-256s"),
        sa.Column(
            "harvest_ms", sa.BigInteger, comment="planned harvest or slaughter, for PHI checks"
        ),
        sa.Column("status", sa.String(16), nullable=False, comment="open, answered or closed"),
        sa.Column("opened_ms", sa.BigInteger, nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("consult_cases_region_updated", "consult_cases", ["region", "updated_ms"])
    op.create_index("consult_cases_site_updated", "consult_cases", ["site", "updated_ms"])
    op.create_table(
        "consult_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("attachments", Json, nullable=False, comment="evidence SHA-256s"),
        sa.Column(
            "diagnosis",
            Json,
            comment="pest/disease, product, dose, and the reference look-up",
        ),
        sa.Column("flags", Json, nullable=False, comment="PHI / ban problems the sender confirmed"),
        sa.Column("ts_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("consult_messages_case", "consult_messages", ["case_id", "id"])


def downgrade() -> None:
    op.drop_index("consult_messages_case", table_name="consult_messages")
    op.drop_table("consult_messages")
    op.drop_index("consult_cases_site_updated", table_name="consult_cases")
    op.drop_index("consult_cases_region_updated", table_name="consult_cases")
    op.drop_table("consult_cases")
