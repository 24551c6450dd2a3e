"""Trust chain: device public keys, per-site signature policy, per-site record hash chain with
its head and the cloud's signed daily anchors (cloud/store/trust_tables.py).

Revision ID: 0008_trust_chain
Revises: 0006_api_hardening
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_trust_chain"
down_revision: str | None = "0006_api_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "device_keys",
        sa.Column("site", sa.String(128), primary_key=True),
        sa.Column("device", sa.String(128), primary_key=True),
        sa.Column(
            "public_key",
            sa.String(64),
            nullable=False,
            comment="Ed25519, base64url of 32 bytes",
        ),
        sa.Column(
            "key_id", sa.String(16), nullable=False, comment="fingerprint named in signatures"
        ),
    )
    op.create_table(
        "site_trust",
        sa.Column("site", sa.String(128), primary_key=True),
        sa.Column("signatures", sa.String(16), nullable=False, comment="required or optional"),
    )
    op.create_table(
        "record_chain",
        sa.Column("site", sa.String(128), primary_key=True),
        sa.Column(
            "seq",
            sa.BigInteger,
            primary_key=True,
            comment="1, 2, … per site, in arrival order",
        ),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("received_ms", sa.BigInteger, nullable=False),
        sa.Column(
            "hash", sa.String(64), nullable=False, comment="sha256(prev hash + canonical record)"
        ),
    )
    op.create_index("record_chain_record", "record_chain", ["record_id"], unique=True)
    op.create_index("record_chain_site_received", "record_chain", ["site", "received_ms"])
    op.create_table(
        "chain_heads",
        sa.Column("site", sa.String(128), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "chain_anchors",
        sa.Column("site", sa.String(128), primary_key=True),
        sa.Column(
            "day",
            sa.String(10),
            primary_key=True,
            comment="UTC date of the anchor, YYYY-MM-DD",
        ),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, comment="the chain head at seq"),
        sa.Column("anchored_ms", sa.BigInteger, nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column(
            "signature", sa.String(128), nullable=False, comment="Ed25519 over the anchor's JCS"
        ),
    )


def downgrade() -> None:
    for table in ("chain_anchors", "chain_heads", "record_chain", "site_trust", "device_keys"):
        op.drop_table(table)
