"""Tables of the hardened HTTP API (issue 13): evidence ownership and API flags."""

from sqlalchemy import BigInteger, Column, String, Table

from cloud.store.tables import metadata

evidence_items = Table(
    "evidence_items",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("site", String(128), primary_key=True, comment="the site it was uploaded for"),
    Column("device", String(128), comment="the uploading device (device tokens)"),
    Column("token_id", String(64), comment="the uploading token; 'admin' for an admin"),
    Column("bytes", BigInteger, nullable=False, comment="counted against the site's quota"),
    Column("media", String(64), nullable=False, comment="media type decided by sniffing"),
    Column("created_ms", BigInteger, nullable=False),
    comment="who holds which evidence file: fetching needs one of its sites in scope",
)

api_flags = Table(
    "api_flags",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
    Column("set_by", String(128), nullable=False),
    Column("set_ms", BigInteger, nullable=False),
    comment="switches set through the API, e.g. the bootstrap admin token disabled",
)
