"""Table definitions (SQLAlchemy Core). Migrations in `migrations/` create exactly these.

Times are epoch milliseconds (BIGINT): portable between SQLite and PostgreSQL, cheap to index
and compare. The envelope keeps the sender's original RFC 3339 text with its offset.
"""

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()
# JSONB on PostgreSQL (indexable), JSON text elsewhere.
Json = JSON().with_variant(JSONB(), "postgresql")

records = Table(
    "records",
    metadata,
    Column("id", String(64), primary_key=True, comment="envelope id: the idempotency key"),
    Column("kind", String(32), nullable=False),
    Column("site", String(128), nullable=False),
    Column("device", String(128), nullable=False),
    Column("ts_ms", BigInteger, nullable=False, comment="event time"),
    Column("received_ms", BigInteger, nullable=False, comment="arrival time at the cloud"),
    Column("source", String(16), nullable=False, comment="mqtt, http or replay"),
    Column("content_hash", String(64), nullable=False),
    # Subject keys pulled out of the body for timeline queries (plot, herd, lot, sample).
    Column("plot", String(128)),
    Column("herd", String(128)),
    Column("lot", String(128)),
    Column("sample", String(128)),
    Column("envelope", Json, nullable=False),
    Index("records_site_ts", "site", "ts_ms"),
    Index("records_kind_ts", "kind", "ts_ms"),
    Index("records_site_plot_ts", "site", "plot", "ts_ms"),
    Index("records_site_herd_ts", "site", "herd", "ts_ms"),
    Index("records_site_lot", "site", "lot"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("received_ms", BigInteger, nullable=False),
    Column("source", String(16), nullable=False),
    Column("topic", Text),
    Column("reason", String(32), nullable=False),
    Column("detail", Text, nullable=False),
    Column("message_id", String(64)),
    Column("raw", LargeBinary, nullable=False),
    Index("quarantine_reason", "reason", "received_ms"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("rule", String(48), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("site", String(128), nullable=False),
    Column("region", String(16), nullable=False),
    Column("subject", String(160), nullable=False),
    Column("cause", String(64), nullable=False),
    Column("dedupe_key", String(512), nullable=False),
    Column("ts_ms", BigInteger, nullable=False, comment="event time that completed it"),
    Column("ts", String(40), nullable=False, comment="the same, RFC 3339 with offset"),
    Column("status", String(16), nullable=False),
    Column("evidence", Json, nullable=False),
    Column("detail", Json, nullable=False),
    Column("raised_ms", BigInteger, nullable=False),
    Column("acknowledged_by", String(128)),
    Column("acknowledged_ms", BigInteger),
    Column("resolved_by", String(128)),
    Column("resolved_ms", BigInteger),
    Column("resolution", Text),
    # One open alert per dedupe key, enforced by the database, not only in code (ThingsBoard
    # #2986: a check in code races; a partial unique index does not).
    Index(
        "alerts_one_open",
        "dedupe_key",
        unique=True,
        sqlite_where=text("status != 'resolved'"),
        postgresql_where=text("status != 'resolved'"),
    ),
    Index("alerts_region_raised", "region", "raised_ms"),
    Index("alerts_site_raised", "site", "raised_ms"),
)

producers = Table(
    "producers",
    metadata,
    Column("id", String(64), primary_key=True, comment="统一社会信用代码"),
    Column("name", String(256), nullable=False),
    Column("type", String(32), nullable=False),
    Column("contact", String(128)),
    Column("show_contact", Integer, nullable=False, server_default="0"),
)

sites = Table(
    "sites",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("name", String(256), nullable=False),
    Column("producer", String(64)),
    Column("region", String(16), nullable=False),
    Column("grid", String(128)),
    Column("timezone", String(64), nullable=False),
    Column("geofence", Json),
    Column("auto_registered", Integer, nullable=False, server_default="0"),
)

plots = Table(
    "plots",
    metadata,
    Column("site", String(128), primary_key=True),
    Column("id", String(128), primary_key=True),
    Column("name", String(256)),
    Column("crop", String(64)),
    Column("polygon", Json),
)

herds = Table(
    "herds",
    metadata,
    Column("site", String(128), primary_key=True),
    Column("id", String(128), primary_key=True),
    Column("name", String(256)),
    Column("species", String(32), nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("site", String(128), primary_key=True),
    Column("id", String(128), primary_key=True),
    Column("type", String(32), nullable=False),
    Column("name", String(256)),
    Column("auto_registered", Integer, nullable=False, server_default="0"),
)
