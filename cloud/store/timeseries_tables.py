"""Tables of the time-series path (migration `0002_timeseries` creates exactly these), on the
store's one `metadata` so migrations and drift checks see them.

`ts_outbox` is the durable queue between the ingest transaction and the time-series server;
`ts_points` is the SQL adapter's own store (one row per field value: narrow, easy to bucket;
`series` is the canonical JSON of the tags).
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
)

from cloud.store.tables import metadata

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
Seq = BigInteger().with_variant(Integer(), "sqlite")

ts_outbox = Table(
    "ts_outbox",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("created_ms", BigInteger, nullable=False, comment="when the ingest staged it"),
    Column("point", Text, nullable=False, comment="[measurement, {tags}, {fields}, ts_ms]"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("parked", Integer, nullable=False, server_default="0", comment="1: refused by server"),
    Column("error", Text, comment="why the server refused it"),
    Index("ts_outbox_parked_seq", "parked", "seq"),
)

# The primary key is also the only index: charts ask for (site, measurement[, field]) and a
# time range; one B-tree per row keeps the write cost per point low.
ts_points = Table(
    "ts_points",
    metadata,
    Column("site", String(128), primary_key=True),
    Column("measurement", String(64), primary_key=True),
    Column("field", String(64), primary_key=True),
    Column("series", String(1024), primary_key=True, comment="canonical sorted tags"),
    Column("ts_ms", BigInteger, primary_key=True),
    Column("value", Float, nullable=False),
)
