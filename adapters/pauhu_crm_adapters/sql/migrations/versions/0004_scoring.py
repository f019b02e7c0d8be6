"""Lead scoring: the score history, and the contact indexes a scoring run and the dashboard read.

Written out explicitly (no import of the live ``tables.py``), like the
earlier revisions; the schema test checks the result against ``tables.py``.

Revision ID: 0004_scoring
Revises: 0003_sequences
Create Date: 2026-03-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_scoring"
down_revision = "0003_sequences"
branch_labels = None
depends_on = None

ID = sa.String(64)
# Aware UTC: timestamptz on PostgreSQL, fixed-width ISO 8601 text on SQLite.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(32), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UNSCORED = sa.text("scored_at IS NULL")


def upgrade() -> None:
    # A run's candidates (never scored, in id order) and the dashboard's top prospects.
    op.create_index(
        "ix_contacts_unscored",
        "contacts",
        ["workspace_id", "id"],
        sqlite_where=UNSCORED,
        postgresql_where=UNSCORED,
    )
    op.create_index(
        "ix_contacts_top_score", "contacts", ["workspace_id", "lead_score", "created_at", "id"]
    )

    op.create_table(
        "score_history",
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.Column("contact_id", ID, nullable=False),
        sa.Column("company_id", ID),
        sa.Column("scorer", sa.Text, nullable=False),
        sa.Column("model", sa.Text),
        sa.Column("prompt_version", sa.Text),
        sa.Column("input_hash", sa.Text, nullable=False),
        sa.Column("criteria", JSON, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "id", name="pk_score_history"),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name="fk_score_history_workspace"
        ),
        # Erasing a contact erases its history; company_id has no foreign key on purpose.
        sa.ForeignKeyConstraint(
            ["workspace_id", "contact_id"],
            ["contacts.workspace_id", "contacts.id"],
            name="fk_score_history_contact",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_score_history_contact",
        "score_history",
        ["workspace_id", "contact_id", "created_at", "id"],
    )


def downgrade() -> None:
    op.drop_table("score_history")  # with its index
    op.drop_index("ix_contacts_top_score", table_name="contacts")
    op.drop_index("ix_contacts_unscored", table_name="contacts")
