"""Scheduled jobs: the job-run history, whose unique key is the claim on each firing.

Written out explicitly (no import of the live ``tables.py``), like the
earlier revisions; the schema test checks the result against ``tables.py``.

Revision ID: 0005_job_runs
Revises: 0004_scoring
Create Date: 2026-03-11
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_job_runs"
down_revision = "0004_scoring"
branch_labels = None
depends_on = None

ID = sa.String(64)
ENUM = sa.String(16)
# Aware UTC: timestamptz on PostgreSQL, fixed-width ISO 8601 text on SQLite.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(32), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", ID, nullable=False),
        sa.Column("job", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("scheduled_for", TIMESTAMP, nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("runner", sa.Text, nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP),
        sa.Column("result", JSON),
        sa.Column("error", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_job_runs"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name="fk_job_runs_workspace"),
    )
    # The claim: one run per (job, workspace, scheduled time).
    op.create_index(
        "uq_job_runs_claim", "job_runs", ["job", "workspace_id", "scheduled_for"], unique=True
    )
    op.create_index(
        "ix_job_runs_workspace", "job_runs", ["workspace_id", "scheduled_for", "started_at", "id"]
    )
    op.create_index("ix_job_runs_scheduled", "job_runs", ["scheduled_for"])
    op.create_index("ix_job_runs_stale", "job_runs", ["status", "started_at"])


def downgrade() -> None:
    op.drop_table("job_runs")  # with its indexes
