"""Data protection: the suppression list, the audit log, and the indexes erasure and export use.

Written out explicitly (no import of the live ``tables.py``), like the
earlier revisions; the schema test checks the result against ``tables.py``.

Revision ID: 0006_privacy
Revises: 0005_job_runs
Create Date: 2026-03-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006_privacy"
down_revision = "0005_job_runs"
branch_labels = None
depends_on = None

ID = sa.String(64)
EMAIL_HASH = sa.String(64)  # HMAC-SHA256 in hex
# Aware UTC: timestamptz on PostgreSQL, fixed-width ISO 8601 text on SQLite.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(32), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "suppressions",
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("email_hash", EMAIL_HASH, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "email_hash", name="pk_suppressions"),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name="fk_suppressions_workspace"
        ),
    )

    op.create_table(
        "audit_log",
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("resource", sa.Text, nullable=False),
        sa.Column("resource_id", sa.Text),
        sa.Column("fields", JSON, nullable=False),
        sa.Column("request_id", sa.Text),
        sa.PrimaryKeyConstraint("workspace_id", "id", name="pk_audit_log"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name="fk_audit_log_workspace"),
    )
    # Newest first, whole or by resource or by actor: each read backwards.
    op.create_index("ix_audit_log_at", "audit_log", ["workspace_id", "at", "id"])
    op.create_index(
        "ix_audit_log_resource",
        "audit_log",
        ["workspace_id", "resource", "resource_id", "at", "id"],
    )
    op.create_index("ix_audit_log_actor", "audit_log", ["workspace_id", "actor", "at", "id"])

    # A person's e-mails (export) and their erasure.
    op.create_index("ix_outbox_to", "outbox", ["workspace_id", "to_address", "created_at", "id"])
    op.create_index(
        "ix_deliveries_contact", "deliveries", ["workspace_id", "contact_id", "claimed_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_contact", table_name="deliveries")
    op.drop_index("ix_outbox_to", table_name="outbox")
    op.drop_table("audit_log")  # with its indexes
    op.drop_table("suppressions")
