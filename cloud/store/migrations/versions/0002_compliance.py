"""Compliance core: audit, tokens, reference label entries, lot blocks, timers, certificates,
credit, webhooks; partial indexes on records for the timeline look-ups.

Revision ID: 0002_compliance
Revises: 0001_initial
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0002_compliance"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = ("compliance",)
depends_on: str | Sequence[str] | None = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
BIG = sa.BigInteger


TIMELINE_INDEXES = (
    ("records_input_use_plot", "plot", "input_use"),
    ("records_harvest_plot", "plot", "harvest"),
    ("records_activity_plot", "plot", "activity"),
    ("records_treatment_herd", "herd", "treatment"),
    ("records_dispatch_herd", "herd", "dispatch"),
)


def _records_indexes() -> None:
    # Partial: only rows of that kind are indexed (telemetry and rapid tests pay nothing).
    for name, col, kind in TIMELINE_INDEXES:
        where = sa.text(f"kind = '{kind}'")
        op.create_index(
            name,
            "records",
            ["site", col, "ts_ms"],
            sqlite_where=where,
            postgresql_where=where,
        )


def _auth_and_audit() -> None:
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at_ms", BIG, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(256), nullable=False),
        sa.Column("detail", Json, nullable=False),
    )
    op.create_index("audit_target", "audit", ["target", "at_ms"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("regions", Json),
        sa.Column("sites", Json),
        sa.Column("producer", sa.String(64)),
        sa.Column("device", sa.String(128)),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_ms", BIG, nullable=False),
        sa.Column("revoked_ms", BIG),
    )
    op.create_table(
        "reference_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("data", Json, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_ms", BIG, nullable=False),
        sa.Column("retired_ms", BIG),
    )


def _rule_state() -> None:
    op.create_table(
        "lot_blocks",
        sa.Column("site", sa.String(128), primary_key=True),
        sa.Column("lot", sa.String(128), primary_key=True),
        sa.Column("reason", sa.String(32), primary_key=True),
        sa.Column("cause", sa.String(64), primary_key=True),
        sa.Column("ts_ms", BIG, nullable=False),
        sa.Column("detail", Json, nullable=False),
        sa.Column("blocked_ms", BIG, nullable=False),
    )
    op.create_table(
        "banned_inputs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("site", sa.String(128), nullable=False),
        sa.Column("plot", sa.String(128), nullable=False),
        sa.Column("crop", sa.String(64), nullable=False),
        sa.Column("ts_ms", BIG, nullable=False),
    )
    op.create_index("banned_inputs_plot", "banned_inputs", ["site", "plot", "ts_ms"])
    op.create_table(
        "long_treatments",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("site", sa.String(128), nullable=False),
        sa.Column("herd", sa.String(128), nullable=False),
        sa.Column("species", sa.String(32), nullable=False),
        sa.Column("drug", sa.String(256), nullable=False),
        sa.Column("water_temp_c", sa.Float),
        sa.Column("ts_ms", BIG, nullable=False),
        sa.Column("ts", sa.String(40), nullable=False),
    )
    op.create_index("long_treatments_herd", "long_treatments", ["site", "herd", "ts_ms"])
    op.create_table(
        "timers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("rule", sa.String(48), nullable=False),
        sa.Column("site", sa.String(128), nullable=False),
        sa.Column("plot", sa.String(128), nullable=False),
        sa.Column("device", sa.String(128), nullable=False),
        sa.Column("track", sa.String(128), nullable=False),
        sa.Column("end_ms", BIG, nullable=False),
        sa.Column("end_ts", sa.String(40), nullable=False),
        sa.Column("grace_ms", BIG, nullable=False),
        sa.Column("due_ms", BIG, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("start_id", sa.String(64)),
        sa.Column("window_from_ms", BIG),
        sa.Column("window_to_ms", BIG),
        sa.Column("alert_key", sa.String(512)),
    )
    op.create_index("timers_due", "timers", ["status", "due_ms"])
    op.create_index("timers_plot", "timers", ["site", "plot", "status"])


def _certificates_and_credit() -> None:
    op.create_table(
        "certificates",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("request_id", sa.String(64), nullable=False, unique=True),
        sa.Column("site", sa.String(128), nullable=False),
        sa.Column("region", sa.String(16), nullable=False),
        sa.Column("lot", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reasons", Json, nullable=False),
        sa.Column("commodity", sa.String(128), nullable=False),
        sa.Column("qty_kg", sa.Float, nullable=False),
        sa.Column("basis", Json, nullable=False),
        sa.Column("producer", sa.String(64)),
        sa.Column("content", Json, nullable=False),
        sa.Column("requested_ms", BIG, nullable=False),
        sa.Column("decided_ms", BIG, nullable=False),
        sa.Column("revoked_ms", BIG),
    )
    op.create_index("certificates_lot", "certificates", ["site", "lot"])
    op.create_index("certificates_region", "certificates", ["region", "decided_ms"])
    op.create_table(
        "credit_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("producer", sa.String(64), nullable=False),
        sa.Column("alert_id", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(48), nullable=False),
        sa.Column("delta", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(256), nullable=False),
        sa.Column("at_ms", BIG, nullable=False),
        sa.UniqueConstraint("alert_id", "reason", name="credit_once_per_alert_reason"),
    )
    op.create_index("credit_producer", "credit_events", ["producer", "at_ms"])
    op.create_table(
        "producer_status",
        sa.Column("producer", sa.String(64), primary_key=True),
        sa.Column("blacklisted", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("by", sa.String(128), nullable=False),
        sa.Column("at_ms", BIG, nullable=False),
    )


def _webhooks() -> None:
    op.create_table(
        "webhooks",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("regions", Json),
        sa.Column("rules", Json),
        sa.Column("active", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_ms", BIG, nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("webhook_id", sa.String(64), nullable=False),
        sa.Column("alert_id", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_ms", BIG, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("last_status", sa.Integer),
        sa.Column("delivered_ms", BIG),
    )
    op.create_index("webhook_deliveries_due", "webhook_deliveries", ["status", "next_ms"])
    op.create_index("webhook_deliveries_hook", "webhook_deliveries", ["webhook_id", "id"])


def upgrade() -> None:
    _records_indexes()
    _auth_and_audit()
    _rule_state()
    _certificates_and_credit()
    _webhooks()


def downgrade() -> None:
    for name in (
        "webhook_deliveries",
        "webhooks",
        "producer_status",
        "credit_events",
        "certificates",
        "timers",
        "long_treatments",
        "banned_inputs",
        "lot_blocks",
        "reference_entries",
        "api_tokens",
        "audit",
    ):
        op.drop_table(name)
    for name, _col, _kind in TIMELINE_INDEXES:
        op.drop_index(name, "records")
