"""Initial schema: records, quarantine, alerts and the registry.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("site", sa.String(128), nullable=False),
        sa.Column("device", sa.String(128), nullable=False),
        sa.Column("ts_ms", sa.BigInteger, nullable=False),
        sa.Column("received_ms", sa.BigInteger, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("plot", sa.String(128)),
        sa.Column("herd", sa.String(128)),
        sa.Column("lot", sa.String(128)),
        sa.Column("sample", sa.String(128)),
        sa.Column("envelope", Json, nullable=False),
    )
    op.create_index("records_site_ts", "records", ["site", "ts_ms"])
    op.create_index("records_kind_ts", "records", ["kind", "ts_ms"])
    op.create_index("records_site_plot_ts", "records", ["site", "plot", "ts_ms"])
    op.create_index("records_site_herd_ts", "records", ["site", "herd", "ts_ms"])
    op.create_index("records_site_lot", "records", ["site", "lot"])

    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("received_ms", sa.BigInteger, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("topic", sa.Text),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("message_id", sa.String(64)),
        sa.Column("raw", sa.LargeBinary, nullable=False),
    )
    op.create_index("quarantine_reason", "quarantine", ["reason", "received_ms"])

    op.create_table(
        "alerts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("rule", sa.String(48), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("site", sa.String(128), nullable=False),
        sa.Column("region", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(160), nullable=False),
        sa.Column("cause", sa.String(64), nullable=False),
        sa.Column("dedupe_key", sa.String(512), nullable=False),
        sa.Column("ts_ms", sa.BigInteger, nullable=False),
        sa.Column("ts", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("evidence", Json, nullable=False),
        sa.Column("detail", Json, nullable=False),
        sa.Column("raised_ms", sa.BigInteger, nullable=False),
        sa.Column("acknowledged_by", sa.String(128)),
        sa.Column("acknowledged_ms", sa.BigInteger),
        sa.Column("resolved_by", sa.String(128)),
        sa.Column("resolved_ms", sa.BigInteger),
        sa.Column("resolution", sa.Text),
    )
    op.create_index(
        "alerts_one_open",
        "alerts",
        ["dedupe_key"],
        unique=True,
        sqlite_where=sa.text("status != 'resolved'"),
        postgresql_where=sa.text("status != 'resolved'"),
    )
    op.create_index("alerts_region_raised", "alerts", ["region", "raised_ms"])
    op.create_index("alerts_site_raised", "alerts", ["site", "raised_ms"])

    op.create_table(
        "producers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("contact", sa.String(128)),
        sa.Column("show_contact", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("producer", sa.String(64)),
        sa.Column("region", sa.String(16), nullable=False),
        sa.Column("grid", sa.String(128)),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("geofence", Json),
        sa.Column("auto_registered", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "plots",
        sa.Column("site", sa.String(128), primary_key=True),
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(256)),
        sa.Column("crop", sa.String(64)),
        sa.Column("polygon", Json),
    )
    op.create_table(
        "herds",
        sa.Column("site", sa.String(128), primary_key=True),
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(256)),
        sa.Column("species", sa.String(32), nullable=False),
    )
    op.create_table(
        "devices",
        sa.Column("site", sa.String(128), primary_key=True),
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("name", sa.String(256)),
        sa.Column("auto_registered", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    for name in (
        "devices",
        "herds",
        "plots",
        "sites",
        "producers",
        "alerts",
        "quarantine",
        "records",
    ):
        op.drop_table(name)
