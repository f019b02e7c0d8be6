"""The initial schema: workspaces, the five CRM tables, their indexes and search indexes.

Written out explicitly (no import of the live ``tables.py``), so this
revision keeps meaning what it meant when it shipped. A test checks that the
result matches ``tables.py``.

Revision ID: 0001_initial
Revises:
Create Date: 2026-03-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.schema import SchemaItem

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(64)
ENUM = sa.String(16)
# Aware UTC: timestamptz on PostgreSQL, fixed-width ISO 8601 text on SQLite.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(32), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

SEARCHABLE = ("contacts", "companies")


def _key() -> list[SchemaItem]:
    return [
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("id", ID, nullable=False),
    ]


def _timestamps() -> list[SchemaItem]:
    return [
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
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


def _indexes(table: str, indexes: dict[str, list[str]]) -> None:
    for suffix, columns in indexes.items():
        op.create_index(f"ix_{table}_{suffix}", table, ["workspace_id", *columns])


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("timezone", sa.Text, nullable=False),
        sa.Column("auto_enroll", sa.Boolean, nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_workspaces"),
    )
    op.create_table(
        "companies",
        *_key(),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("domain", sa.Text),
        sa.Column("industry", sa.Text),
        sa.Column("size", sa.Text),
        sa.Column("country", sa.Text),
        sa.Column("city", sa.Text),
        sa.Column("website", sa.Text),
        sa.Column("linkedin_url", sa.Text),
        sa.Column("description", sa.Text),
        sa.Column("icp_tier", ENUM),
        sa.Column("is_target_account", sa.Boolean, nullable=False),
        sa.Column("owner_id", sa.Text),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("custom_fields", JSON, nullable=False),
        *_timestamps(),
        sa.Column("search_text", sa.Text, nullable=False),
        *_tenant("companies"),
    )
    op.create_index("uq_companies_domain", "companies", ["workspace_id", "domain"], unique=True)
    _indexes(
        "companies",
        {
            "created": ["created_at", "id"],
            "target": ["is_target_account", "created_at"],
            "icp_tier": ["icp_tier"],
            "industry": ["industry"],
            "country": ["country"],
        },
    )
    op.create_table(
        "contacts",
        *_key(),
        sa.Column("email", sa.Text),
        sa.Column("first_name", sa.Text),
        sa.Column("last_name", sa.Text),
        sa.Column("phone", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("company_id", ID),
        sa.Column("lifecycle_stage", ENUM, nullable=False),
        sa.Column("lead_score", sa.Integer, nullable=False),
        sa.Column("lead_source", sa.Text),
        sa.Column("owner_id", sa.Text),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("custom_fields", JSON, nullable=False),
        *_timestamps(),
        sa.Column("last_activity_at", TIMESTAMP),
        sa.Column("score_segment", ENUM),
        sa.Column("scored_at", TIMESTAMP),
        sa.Column("score_breakdown", JSON),
        sa.Column("unsubscribed_at", TIMESTAMP),
        sa.Column("search_text", sa.Text, nullable=False),
        *_tenant("contacts"),
        _ref("contacts", "companies", "company_id"),
    )
    op.create_index("uq_contacts_email", "contacts", ["workspace_id", "email"], unique=True)
    _indexes(
        "contacts",
        {
            "created": ["created_at", "id"],
            "stage": ["lifecycle_stage", "created_at"],
            "company": ["company_id"],
            "owner": ["owner_id"],
            "segment": ["score_segment"],
        },
    )
    op.create_table(
        "deals",
        *_key(),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("company_id", ID),
        sa.Column("contact_id", ID),
        sa.Column("stage", ENUM, nullable=False),
        sa.Column("amount_cents", sa.BigInteger),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("probability", sa.Integer),
        sa.Column("expected_close_date", sa.Date),
        sa.Column("actual_close_date", sa.Date),
        sa.Column("lost_reason", sa.Text),
        sa.Column("owner_id", sa.Text),
        *_timestamps(),
        *_tenant("deals"),
        _ref("deals", "companies", "company_id"),
        _ref("deals", "contacts", "contact_id"),
    )
    _indexes(
        "deals",
        {
            "created": ["created_at", "id"],
            "stage": ["stage", "created_at"],
            "company": ["company_id"],
            "contact": ["contact_id"],
            "owner": ["owner_id"],
        },
    )
    op.create_table(
        "activities",
        *_key(),
        sa.Column("contact_id", ID),
        sa.Column("company_id", ID),
        sa.Column("deal_id", ID),
        sa.Column("type", ENUM, nullable=False),
        sa.Column("subject", sa.Text),
        sa.Column("body", sa.Text),
        sa.Column("metadata", JSON, nullable=False),
        sa.Column("occurred_at", TIMESTAMP, nullable=False),
        sa.Column("created_by", sa.Text),
        *_timestamps(),
        *_tenant("activities"),
        _ref("activities", "contacts", "contact_id"),
        _ref("activities", "companies", "company_id"),
        _ref("activities", "deals", "deal_id"),
    )
    _indexes(
        "activities",
        {
            "occurred": ["occurred_at", "id"],
            "contact": ["contact_id", "occurred_at"],
            "company": ["company_id", "occurred_at"],
            "deal": ["deal_id", "occurred_at"],
            "type": ["type", "occurred_at"],
        },
    )
    op.create_table(
        "tasks",
        *_key(),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("contact_id", ID),
        sa.Column("company_id", ID),
        sa.Column("deal_id", ID),
        sa.Column("due_date", sa.Date),
        sa.Column("priority", ENUM, nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("assigned_to", sa.Text),
        sa.Column("completed_at", TIMESTAMP),
        *_timestamps(),
        *_tenant("tasks"),
        _ref("tasks", "contacts", "contact_id"),
        _ref("tasks", "companies", "company_id"),
        _ref("tasks", "deals", "deal_id"),
    )
    _indexes(
        "tasks",
        {
            "due": ["due_date", "created_at", "id"],
            "status": ["status", "due_date"],
            "assignee": ["assigned_to", "due_date"],
            "contact": ["contact_id"],
            "company": ["company_id"],
            "deal": ["deal_id"],
        },
    )
    if op.get_bind().dialect.name == "postgresql":
        _create_trigram_indexes()
    else:
        _create_fts5_tables()


def _create_trigram_indexes() -> None:
    """pg_trgm GIN indexes serve ``search_text LIKE '%term%'`` directly."""
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in SEARCHABLE:
        op.create_index(
            f"ix_{table}_search_trgm",
            table,
            ["search_text"],
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )


def _create_fts5_tables() -> None:
    """External-content FTS5 trigram tables over ``search_text``, synced by triggers.

    The update trigger fires only when ``search_text`` is assigned and changed,
    so touching ``last_activity_at`` or clearing a reference leaves the index alone.
    """
    for table in SEARCHABLE:
        fts = f"{table}_fts"
        delete_old = (
            f"INSERT INTO {fts}({fts}, rowid, search_text) "
            "VALUES ('delete', old.rowid, old.search_text);"
        )
        insert_new = f"INSERT INTO {fts}(rowid, search_text) VALUES (new.rowid, new.search_text);"
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5("
            f"search_text, content='{table}', content_rowid='rowid', tokenize='trigram')"
        )
        op.execute(f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert_new} END")
        op.execute(f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete_old} END")
        op.execute(
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF search_text ON {table} "
            f"WHEN old.search_text IS NOT new.search_text BEGIN {delete_old} {insert_new} END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in SEARCHABLE:
            op.drop_index(f"ix_{table}_search_trgm", table_name=table)
    else:
        for table in SEARCHABLE:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER {table}_fts_{suffix}")
            op.execute(f"DROP TABLE {table}_fts")
    for table in ("tasks", "activities", "deals", "contacts", "companies", "workspaces"):
        op.drop_table(table)
