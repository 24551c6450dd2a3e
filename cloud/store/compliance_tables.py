"""Tables of the compliance core (migration 0002_compliance creates exactly these).

Kept apart from `tables.py` so the ingest and compliance schemas evolve in separate migrations.
Times are epoch milliseconds, as everywhere in the store.
"""

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from cloud.store.tables import Json, metadata, records

# Partial indexes for the timeline look-ups: one per kind the rules read by subject and time,
# so a look-up never scans other kinds (the planner would otherwise pick the (kind, ts) index
# and scan every harvest in a time range). Only those rows are indexed: inserting telemetry or
# rapid tests costs nothing more.
TIMELINE_INDEXES = (
    ("records_input_use_plot", "plot", "input_use"),
    ("records_harvest_plot", "plot", "harvest"),
    ("records_activity_plot", "plot", "activity"),
    ("records_treatment_herd", "herd", "treatment"),
    ("records_dispatch_herd", "herd", "dispatch"),
)
for _name, _column, _kind in TIMELINE_INDEXES:
    Index(
        _name,
        records.c.site,
        records.c[_column],
        records.c.ts_ms,
        sqlite_where=text(f"kind = '{_kind}'"),
        postgresql_where=text(f"kind = '{_kind}'"),
    )

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at_ms", BigInteger, nullable=False),
    Column("actor", String(128), nullable=False, comment="token name, or 'system'"),
    Column("role", String(16), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(256), nullable=False),
    Column("detail", Json, nullable=False),
    Index("audit_target", "target", "at_ms"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("regions", Json, comment="list of region codes; null = no region restriction"),
    Column("sites", Json, comment="list of site ids; null = no site restriction"),
    Column("producer", String(64), comment="producer tokens: the producer's sites"),
    Column("device", String(128), comment="device tokens: the device id"),
    Column("token_hash", String(64), nullable=False, unique=True, comment="sha256 hex"),
    Column("created_by", String(128), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("revoked_ms", BigInteger),
    Column("expires_ms", BigInteger, comment="refused from then on; null = never (old tokens)"),
)

reference_entries = Table(
    "reference_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False, comment="phi or withdrawal"),
    Column("data", Json, nullable=False, comment="the row, as the reference models"),
    Column("created_by", String(128), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("retired_ms", BigInteger),
)

lot_blocks = Table(
    "lot_blocks",
    metadata,
    Column("site", String(128), primary_key=True),
    Column("lot", String(128), primary_key=True),
    Column("reason", String(32), primary_key=True),
    Column("cause", String(64), primary_key=True, comment="message that blocked the lot"),
    Column("ts_ms", BigInteger, nullable=False, comment="event time of the blocked fact"),
    Column("detail", Json, nullable=False),
    Column("blocked_ms", BigInteger, nullable=False),
)

banned_inputs = Table(
    "banned_inputs",
    metadata,
    Column("id", String(64), primary_key=True, comment="the input_use message id"),
    Column("site", String(128), nullable=False),
    Column("plot", String(128), nullable=False),
    Column("crop", String(64), nullable=False),
    Column("ts_ms", BigInteger, nullable=False),
    Index("banned_inputs_plot", "site", "plot", "ts_ms"),
)

# Treatments whose window can reach far (a prohibition, degree-days, or a drug the reference
# data does not know yet): a dispatch looks back over these for the whole look-back, and over
# the records table only within the longest finite withdrawal period.
unchecked_inputs = Table(
    "unchecked_inputs",
    metadata,
    Column("id", String(64), primary_key=True, comment="the input_use message id"),
    Column("site", String(128), nullable=False),
    Column("plot", String(128), nullable=False),
    Column("ts_ms", BigInteger, nullable=False),
    Index("unchecked_inputs_plot", "site", "plot", "ts_ms"),
    comment="applications no reference data could check when they arrived: they hold the "
    "certificates of the plot's later lots as far back as the rules look (rules.snapshot)",
)

long_treatments = Table(
    "long_treatments",
    metadata,
    Column("id", String(64), primary_key=True, comment="the treatment message id"),
    Column("site", String(128), nullable=False),
    Column("herd", String(128), nullable=False),
    Column("species", String(32), nullable=False),
    Column("drug", String(256), nullable=False),
    Column("water_temp_c", Float),
    Column("ts_ms", BigInteger, nullable=False),
    Column("ts", String(40), nullable=False),
    Index("long_treatments_herd", "site", "herd", "ts_ms"),
)

timers = Table(
    "timers",
    metadata,
    Column("id", String(64), primary_key=True, comment="the activity end message id"),
    Column("rule", String(48), nullable=False),
    Column("site", String(128), nullable=False),
    Column("plot", String(128), nullable=False),
    Column("device", String(128), nullable=False),
    Column("track", String(128), nullable=False),
    Column("end_ms", BigInteger, nullable=False),
    Column("end_ts", String(40), nullable=False),
    Column("grace_ms", BigInteger, nullable=False),
    Column("due_ms", BigInteger, nullable=False),
    Column("status", String(16), nullable=False, comment="pending, covered, fired, late_record"),
    Column("start_id", String(64)),
    Column("window_from_ms", BigInteger),
    Column("window_to_ms", BigInteger),
    Column("alert_key", String(512)),
    Index("timers_due", "status", "due_ms"),
    Index("timers_plot", "site", "plot", "status"),
)

certificates = Table(
    "certificates",
    metadata,
    Column("id", String(64), primary_key=True, comment="public certificate number"),
    Column("request_id", String(64), nullable=False, unique=True),
    Column("site", String(128), nullable=False),
    Column("region", String(16), nullable=False),
    Column("lot", String(128), nullable=False),
    Column("status", String(16), nullable=False, comment="issued, refused, revoked"),
    Column("reasons", Json, nullable=False, comment="refusal / revocation reasons"),
    Column("commodity", String(128), nullable=False),
    Column("qty_kg", Float, nullable=False),
    Column("basis", Json, nullable=False),
    Column("producer", String(64)),
    Column("content", Json, nullable=False, comment="what the certificate and its page show"),
    Column("requested_ms", BigInteger, nullable=False, comment="event time of the request"),
    Column("decided_ms", BigInteger, nullable=False),
    Column("revoked_ms", BigInteger),
    Index("certificates_lot", "site", "lot"),
    Index("certificates_region", "region", "decided_ms"),
)

credit_events = Table(
    "credit_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("producer", String(64), nullable=False),
    Column("alert_id", String(64), nullable=False),
    Column("rule", String(48), nullable=False),
    Column("delta", Integer, nullable=False),
    Column("reason", String(256), nullable=False),
    Column("at_ms", BigInteger, nullable=False),
    UniqueConstraint("alert_id", "reason", name="credit_once_per_alert_reason"),
    Index("credit_producer", "producer", "at_ms"),
)

producer_status = Table(
    "producer_status",
    metadata,
    Column("producer", String(64), primary_key=True),
    Column("blacklisted", Integer, nullable=False, comment="manual blacklist flag"),
    Column("reason", Text, nullable=False),
    Column("by", String(128), nullable=False),
    Column("at_ms", BigInteger, nullable=False),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("url", Text, nullable=False),
    Column("secret", String(128), nullable=False, comment="HMAC-SHA256 key (needed in clear)"),
    Column("regions", Json),
    Column("rules", Json),
    Column("active", Integer, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("webhook_id", String(64), nullable=False),
    Column("alert_id", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(16), nullable=False, comment="pending, delivered, failed"),
    Column("attempts", Integer, nullable=False),
    Column("next_ms", BigInteger, nullable=False),
    Column("last_error", Text),
    Column("last_status", Integer),
    Column("delivered_ms", BigInteger),
    Index("webhook_deliveries_due", "status", "next_ms"),
    Index("webhook_deliveries_hook", "webhook_id", "id"),
)
