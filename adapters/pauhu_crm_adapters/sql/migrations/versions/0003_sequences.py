"""E-mail sequences: sequences, enrolments, the delivery log, the outbox, app secrets.

Written out explicitly (no import of the live ``tables.py``), like the
earlier revisions; the schema test checks the result against ``tables.py``.

Revision ID: 0003_sequences
Revises: 0002_api_keys
Create Date: 2026-03-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.schema import SchemaItem

revision = "0003_sequences"
down_revision = "0002_api_keys"
branch_labels = None
depends_on = None

ID = sa.String(64)
ENUM = sa.String(16)
# Aware UTC: timestamptz on PostgreSQL, fixed-width ISO 8601 text on SQLite.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(32), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ACTIVE = sa.text("status = 'active'")


def _key() -> list[SchemaItem]:
    return [
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("id", ID, nullable=False),
    ]


def _tenant(table: str) -> list[SchemaItem]:
    return [
        sa.PrimaryKeyConstraint("workspace_id", "id", name=f"pk_{table}"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name=f"fk_{table}_workspace"),
    ]


def _ref(table: str, target: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id", column],
        [f"{target}.workspace_id", f"{target}.id"],
        name=f"fk_{table}_{column.removesuffix('_id')}",
    )


def upgrade() -> None:
    op.create_table(
        "sequences",
        *_key(),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("segment", ENUM),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("steps", JSON, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        *_tenant("sequences"),
    )
    op.create_index("ix_sequences_created", "sequences", ["workspace_id", "created_at", "id"])

    op.create_table(
        "enrollments",
        *_key(),
        sa.Column("sequence_id", ID, nullable=False),
        sa.Column("contact_id", ID, nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("enrolled_at", TIMESTAMP, nullable=False),
        sa.Column("enrolled_on", sa.Date, nullable=False),
        sa.Column("next_step", sa.Integer, nullable=False),
        sa.Column("next_due_on", sa.Date),
        sa.Column("stopped_reason", sa.Text),
        sa.Column("ended_at", TIMESTAMP),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        *_tenant("enrollments"),
        _ref("enrollments", "sequences", "sequence_id"),
        _ref("enrollments", "contacts", "contact_id"),
    )
    op.create_index(
        "uq_enrollments_active_contact",
        "enrollments",
        ["workspace_id", "contact_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_index(
        "ix_enrollments_due", "enrollments", ["workspace_id", "status", "next_due_on", "id"]
    )
    op.create_index(
        "ix_enrollments_sequence", "enrollments", ["workspace_id", "sequence_id", "status"]
    )
    op.create_index("ix_enrollments_contact", "enrollments", ["workspace_id", "contact_id"])

    op.create_table(
        "deliveries",
        *_key(),
        sa.Column("enrollment_id", ID, nullable=False),
        sa.Column("step_index", sa.Integer, nullable=False),
        sa.Column("contact_id", ID, nullable=False),
        sa.Column("sequence_id", ID, nullable=False),
        sa.Column("message_id", sa.Text, nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("run_id", sa.Text, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("claimed_at", TIMESTAMP, nullable=False),
        sa.Column("sent_at", TIMESTAMP),
        *_tenant("deliveries"),
    )
    op.create_index(
        "uq_deliveries_step",
        "deliveries",
        ["workspace_id", "enrollment_id", "step_index"],
        unique=True,
    )
    op.create_index("ix_deliveries_status", "deliveries", ["workspace_id", "status", "claimed_at"])

    op.create_table(
        "outbox",
        *_key(),
        sa.Column("message_id", sa.Text, nullable=False),
        sa.Column("to_address", sa.Text, nullable=False),
        sa.Column("sender", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=False),
        sa.Column("headers", JSON, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        *_tenant("outbox"),
    )
    op.create_index("ix_outbox_created", "outbox", ["workspace_id", "created_at", "id"])

    op.create_table(
        "app_secrets",
        sa.Column("name", ID, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_app_secrets"),
    )


def downgrade() -> None:
    # Dropping a table drops its indexes with it.
    for table in ("app_secrets", "outbox", "deliveries", "enrollments", "sequences"):
        op.drop_table(table)
