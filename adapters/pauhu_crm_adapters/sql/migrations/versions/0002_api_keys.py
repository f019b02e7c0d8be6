"""API keys: one row per key, holding only the SHA-256 digest of its secret.

Written out explicitly (no import of the live ``tables.py``), like the
first revision; the schema test checks the result against ``tables.py``.

Revision ID: 0002_api_keys
Revises: 0001_initial
Create Date: 2026-03-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_api_keys"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

ID = sa.String(64)
SHA256_HEX = sa.String(64)
# Aware UTC: timestamptz on PostgreSQL, fixed-width ISO 8601 text on SQLite.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(32), "sqlite")


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("secret_hash", SHA256_HEX, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("revoked_at", TIMESTAMP),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name="fk_api_keys_workspace"),
    )
    op.create_index("ix_api_keys_workspace", "api_keys", ["workspace_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_api_keys_workspace", table_name="api_keys")
    op.drop_table("api_keys")
