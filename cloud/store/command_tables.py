"""The downlink's table (migration `0012_commands` creates exactly this), on the store's one
`metadata` so migrations and drift checks see it.

One row per command the cloud sent to a device: what, to whom, by whom, until when, and the
device's answer once its `command_result` arrives (the answer itself is also a stored, chained
record: `result_record` names it). Issuing and answering are both in the audit trail.
"""

from sqlalchemy import BigInteger, Column, Index, String, Table, Text

from cloud.store.tables import Json, metadata

device_commands = Table(
    "device_commands",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("site", String(128), nullable=False),
    Column("device", String(128), nullable=False),
    Column("name", String(32), nullable=False, comment="snapshot, set_zones, …"),
    Column("params", Json, nullable=False),
    Column("issued_by", String(128), nullable=False),
    Column("issued_ms", BigInteger, nullable=False),
    Column("expires_ms", BigInteger, nullable=False),
    Column("status", String(16), nullable=False, comment="sent, done, refused or failed"),
    Column("detail", Text, comment="the device's reason or note"),
    Column("evidence", Json, comment="evidence the device made (snapshot)"),
    Column("result_record", String(64), comment="id of the command_result record"),
    Column("answered_ms", BigInteger),
    Index("device_commands_site_issued", "site", "issued_ms"),
)
