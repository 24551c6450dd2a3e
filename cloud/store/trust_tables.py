"""Tables of the trust chain (migration `0008_trust_chain` creates exactly these), on the
store's one `metadata` so migrations and drift checks see them.

`device_keys` and `site_trust` hold what the registry file says about signatures; a key row
counts only while its device is registered (lookups join `devices`). `record_chain` is the
per-site hash chain of stored records, `chain_heads` its head per site (also the row ingest
locks to append in order), `chain_anchors` the cloud's signed daily heads.
"""

from sqlalchemy import BigInteger, Column, Index, String, Table

from cloud.store.tables import metadata

device_keys = Table(
    "device_keys",
    metadata,
    Column("site", String(128), primary_key=True),
    Column("device", String(128), primary_key=True),
    Column("public_key", String(64), nullable=False, comment="Ed25519, base64url of 32 bytes"),
    Column("key_id", String(16), nullable=False, comment="fingerprint named in signatures"),
)

site_trust = Table(
    "site_trust",
    metadata,
    Column("site", String(128), primary_key=True),
    Column("signatures", String(16), nullable=False, comment="required or optional"),
)

record_chain = Table(
    "record_chain",
    metadata,
    Column("site", String(128), primary_key=True),
    Column("seq", BigInteger, primary_key=True, comment="1, 2, … per site, in arrival order"),
    Column("record_id", String(64), nullable=False),
    Column("received_ms", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False, comment="sha256(prev hash + canonical record)"),
    Index("record_chain_record", "record_id", unique=True),
    Index("record_chain_site_received", "site", "received_ms"),
)

chain_heads = Table(
    "chain_heads",
    metadata,
    Column("site", String(128), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

chain_anchors = Table(
    "chain_anchors",
    metadata,
    Column("site", String(128), primary_key=True),
    Column("day", String(10), primary_key=True, comment="UTC date of the anchor, YYYY-MM-DD"),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False, comment="the chain head at seq"),
    Column("anchored_ms", BigInteger, nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("signature", String(128), nullable=False, comment="Ed25519 over the anchor's JCS"),
)
