"""Column comments on PostgreSQL: the tables in code document their columns, the first
migrations did not carry those comments over (SQLite has no column comments; nothing to do there).

Revision ID: 0004_column_comments
Revises: 0003_one_head
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_column_comments"
down_revision: str | None = "0003_one_head"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, comment), frozen here as they were in the table modules at this revision.
COMMENTS: tuple[tuple[str, str, str], ...] = (
    ("alerts", "ts_ms", "event time that completed it"),
    ("alerts", "ts", "the same, RFC 3339 with offset"),
    ("api_tokens", "regions", "list of region codes; null = no region restriction"),
    ("api_tokens", "sites", "list of site ids; null = no site restriction"),
    ("api_tokens", "producer", "producer tokens: the producer's sites"),
    ("api_tokens", "device", "device tokens: the device id"),
    ("api_tokens", "token_hash", "sha256 hex"),
    ("audit", "actor", "token name, or 'system'"),
    ("banned_inputs", "id", "the input_use message id"),
    ("certificates", "id", "public certificate number"),
    ("certificates", "status", "issued, refused, revoked"),
    ("certificates", "reasons", "refusal / revocation reasons"),
    ("certificates", "content", "what the certificate and its page show"),
    ("certificates", "requested_ms", "event time of the request"),
    ("long_treatments", "id", "the treatment message id"),
    ("lot_blocks", "cause", "message that blocked the lot"),
    ("lot_blocks", "ts_ms", "event time of the blocked fact"),
    ("producer_status", "blacklisted", "manual blacklist flag"),
    ("producers", "id", "统一社会信用代码"),
    ("records", "id", "envelope id: the idempotency key"),
    ("records", "ts_ms", "event time"),
    ("records", "received_ms", "arrival time at the cloud"),
    ("records", "source", "mqtt, http or replay"),
    ("reference_entries", "kind", "phi or withdrawal"),
    ("reference_entries", "data", "the row, as the reference models"),
    ("timers", "id", "the activity end message id"),
    ("timers", "status", "pending, covered, fired, late_record"),
    ("ts_outbox", "created_ms", "when the ingest staged it"),
    ("ts_outbox", "point", "[measurement, {tags}, {fields}, ts_ms]"),
    ("ts_outbox", "parked", "1: refused by server"),
    ("ts_outbox", "error", "why the server refused it"),
    ("ts_points", "series", "canonical sorted tags"),
    ("webhook_deliveries", "status", "pending, delivered, failed"),
    ("webhooks", "secret", "HMAC-SHA256 key (needed in clear)"),
)


def _set(comment_of: dict[tuple[str, str], str | None]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for (table, column), comment in comment_of.items():
        op.alter_column(table, column, comment=comment)


def upgrade() -> None:
    _set({(table, column): comment for table, column, comment in COMMENTS})


def downgrade() -> None:
    _set({(table, column): None for table, column, _ in COMMENTS})
