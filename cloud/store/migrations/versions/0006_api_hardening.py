"""API hardening (issue 13): token expiry, evidence ownership, API flags.

Revision ID: 0006_api_hardening
Revises: 0004_column_comments
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_api_hardening"
down_revision: str | None = "0004_column_comments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add `api_tokens.expires_ms`, `evidence_items` and `api_flags`."""
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column(
                "expires_ms",
                sa.BigInteger(),
                comment="refused from then on; null = never (old tokens)",
            )
        )
    op.create_table(
        "evidence_items",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("site", sa.String(128), primary_key=True, comment="the site it was uploaded for"),
        sa.Column("device", sa.String(128), comment="the uploading device (device tokens)"),
        sa.Column("token_id", sa.String(64), comment="the uploading token; 'admin' for an admin"),
        sa.Column(
            "bytes", sa.BigInteger(), nullable=False, comment="counted against the site's quota"
        ),
        sa.Column("media", sa.String(64), nullable=False, comment="media type decided by sniffing"),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        comment="who holds which evidence file: fetching needs one of its sites in scope",
    )
    op.create_table(
        "api_flags",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
        sa.Column("set_by", sa.String(128), nullable=False),
        sa.Column("set_ms", sa.BigInteger(), nullable=False),
        comment="switches set through the API, e.g. the bootstrap admin token disabled",
    )


def downgrade() -> None:
    """Drop what `upgrade` added."""
    op.drop_table("api_flags")
    op.drop_table("evidence_items")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_ms")
