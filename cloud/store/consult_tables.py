"""Tables of consultation cases (远程诊断、会诊; migration `0010_console` creates exactly these),
on the store's one `metadata` so migrations and drift checks see them.

A case is opened for a site (so it has the site's region, and is scoped like everything else);
its thread holds the opener's and the experts' messages, each with attachments (evidence
SHA-256s) and, for an expert's reply, a structured diagnosis with what the reference data said.
"""

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from cloud.store.tables import Json, metadata

consult_cases = Table(
    "consult_cases",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("site", String(128), nullable=False),
    Column("region", String(16), nullable=False),
    Column("opened_by", String(128), nullable=False),
    Column("opened_role", String(16), nullable=False),
    Column("subject_kind", String(8), nullable=False, comment="crop or herd"),
    Column("crop", String(64), comment="the crop, Chinese name (crop cases)"),
    Column("plot", String(128)),
    Column("herd", String(128)),
    Column("species", String(32), comment="the herd's species (herd cases)"),
    Column("symptoms", Text, nullable=False),
    Column("location", Json, comment="GeoJSON Point where the problem was seen"),
    Column("attachments", Json, nullable=False, comment="evidence SHA-256s"),
    Column("harvest_ms", BigInteger, comment="planned harvest or slaughter, for PHI checks"),
    Column("status", String(16), nullable=False, comment="open, answered or closed"),
    Column("opened_ms", BigInteger, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    Index("consult_cases_region_updated", "region", "updated_ms"),
    Index("consult_cases_site_updated", "site", "updated_ms"),
)

consult_messages = Table(
    "consult_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), nullable=False),
    Column("author", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("body", Text, nullable=False),
    Column("attachments", Json, nullable=False, comment="evidence SHA-256s"),
    Column("diagnosis", Json, comment="pest/disease, product, dose, and the reference look-up"),
    Column("flags", Json, nullable=False, comment="PHI / ban problems the sender confirmed"),
    Column("ts_ms", BigInteger, nullable=False),
    Index("consult_messages_case", "case_id", "id"),
)
