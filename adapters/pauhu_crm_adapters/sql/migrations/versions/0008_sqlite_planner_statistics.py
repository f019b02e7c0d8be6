"""SQLite: planner statistics for the record tables, so plans fit a big workspace.

Nothing runs ``ANALYZE`` on an SQLite database, so without statistics SQLite guesses
that ``workspace_id = ?`` selects about ten rows and prefers any index that starts
with it: a search for a rare name walked the whole workspace's ``created_at``
index and tested each contact against the search index's matches (300 ms at 1M
contacts instead of a few). Following SQLite's advice on query planner
stability, this revision writes the ``sqlite_stat1`` rows of a representative
large install instead of measuring (which would also take minutes on a big
database): plans are then the same on every install, whatever its size, and
are made for the size where they matter.

The model: each table holds a few workspaces (``workspace_id = ?`` selects a
quarter of it); a record's own id, e-mail or domain selects one row; a
reference (``company_id``, ``contact_id`` …) a handful; a stage, status, type,
segment or country thousands; and the index columns after them (the list's
order) are unique. Tables not listed keep SQLite's defaults.

A later revision that adds an index to these tables adds its row here. Running
``ANALYZE`` by hand replaces these rows with measured ones.

PostgreSQL keeps its own statistics (autovacuum's ``ANALYZE``): nothing to do.

Revision ID: 0008_sqlite_planner_statistics
Revises: 0007_list_order_indexes
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_sqlite_planner_statistics"
down_revision = "0007_list_order_indexes"
branch_labels = None
depends_on = None

# (table, index or None for the table itself, stat): ``stat`` is the row count, then
# for each prefix of the index's columns the average number of rows sharing it.
STATISTICS = (
    ("contacts", None, "1000000"),
    ("contacts", "sqlite_autoindex_contacts_1", "1000000 250000 1"),
    ("contacts", "uq_contacts_email", "1000000 250000 1"),
    ("contacts", "ix_contacts_created", "1000000 250000 1 1"),
    ("contacts", "ix_contacts_stage", "1000000 250000 40000 1 1"),
    ("contacts", "ix_contacts_company", "1000000 250000 10 1 1"),
    ("contacts", "ix_contacts_owner", "1000000 250000 5000 1 1"),
    ("contacts", "ix_contacts_segment", "1000000 250000 60000 1 1"),
    ("contacts", "ix_contacts_top_score", "1000000 250000 2500 1 1"),
    ("contacts", "ix_contacts_unscored", "500000 125000 1"),
    ("companies", None, "100000"),
    ("companies", "sqlite_autoindex_companies_1", "100000 25000 1"),
    ("companies", "uq_companies_domain", "100000 25000 1"),
    ("companies", "ix_companies_created", "100000 25000 1 1"),
    ("companies", "ix_companies_target", "100000 25000 12500 1 1"),
    ("companies", "ix_companies_icp_tier", "100000 25000 6000 1 1"),
    ("companies", "ix_companies_industry", "100000 25000 1500 1 1"),
    ("companies", "ix_companies_country", "100000 25000 1000 1 1"),
    ("deals", None, "300000"),
    ("deals", "sqlite_autoindex_deals_1", "300000 75000 1"),
    ("deals", "ix_deals_created", "300000 75000 1 1"),
    ("deals", "ix_deals_stage", "300000 75000 12000 1 1"),
    ("deals", "ix_deals_company", "300000 75000 3 1 1"),
    ("deals", "ix_deals_contact", "300000 75000 2 1 1"),
    ("deals", "ix_deals_owner", "300000 75000 1500 1 1"),
    ("activities", None, "2000000"),
    ("activities", "sqlite_autoindex_activities_1", "2000000 500000 1"),
    ("activities", "ix_activities_occurred", "2000000 500000 1 1"),
    ("activities", "ix_activities_contact", "2000000 500000 4 1 1"),
    ("activities", "ix_activities_company", "2000000 500000 20 1 1"),
    ("activities", "ix_activities_deal", "2000000 500000 7 1 1"),
    ("activities", "ix_activities_type", "2000000 500000 70000 1 1"),
    ("tasks", None, "200000"),
    ("tasks", "sqlite_autoindex_tasks_1", "200000 50000 1"),
    ("tasks", "ix_tasks_due", "200000 50000 30 1 1"),
    ("tasks", "ix_tasks_status", "200000 50000 17000 30"),
    ("tasks", "ix_tasks_assignee", "200000 50000 1000 50"),
    ("tasks", "ix_tasks_contact", "200000 50000 2"),
    ("tasks", "ix_tasks_company", "200000 50000 5"),
    ("tasks", "ix_tasks_deal", "200000 50000 3"),
)
TABLES = sorted({table for table, _index, _stat in STATISTICS})


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # ANALYZE of one tiny table creates sqlite_stat1 if it is missing, without reading
    # the big tables.
    op.execute("ANALYZE alembic_version")
    _delete_rows()
    stat1 = sa.table("sqlite_stat1", sa.column("tbl"), sa.column("idx"), sa.column("stat"))
    op.bulk_insert(
        stat1,
        [{"tbl": table, "idx": index, "stat": stat} for table, index, stat in STATISTICS],
    )
    op.execute("ANALYZE sqlite_schema")  # load them into this connection's planner


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _delete_rows()
    op.execute("ANALYZE sqlite_schema")


def _delete_rows() -> None:
    names = ", ".join(f"'{table}'" for table in TABLES)
    op.execute(f"DELETE FROM sqlite_stat1 WHERE tbl IN ({names})")
