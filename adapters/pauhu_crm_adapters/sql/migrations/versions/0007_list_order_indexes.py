"""Filter indexes that end with their list's order.

Each index a list filters by (a contact's activities, a company's contacts, deals
by stage …) gains the list's ``ORDER BY`` columns, so that one index answers both
the filter and ``ORDER BY … LIMIT``. Without them SQLite walked the whole
workspace's ``created_at`` index newest first and filtered it (a contact's detail
view read every activity of the workspace); PostgreSQL sorted every match.

Written out explicitly (no import of the live ``tables.py``), like the earlier
revisions; the schema test checks the result against ``tables.py``.

Revision ID: 0007_list_order_indexes
Revises: 0006_privacy
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0007_list_order_indexes"
down_revision = "0006_privacy"
branch_labels = None
depends_on = None

# index name -> (table, columns before, columns after)
CHANGED = {
    "ix_companies_target": (
        "companies",
        ("workspace_id", "is_target_account", "created_at"),
        ("workspace_id", "is_target_account", "created_at", "id"),
    ),
    "ix_companies_icp_tier": (
        "companies",
        ("workspace_id", "icp_tier"),
        ("workspace_id", "icp_tier", "created_at", "id"),
    ),
    "ix_companies_industry": (
        "companies",
        ("workspace_id", "industry"),
        ("workspace_id", "industry", "created_at", "id"),
    ),
    "ix_companies_country": (
        "companies",
        ("workspace_id", "country"),
        ("workspace_id", "country", "created_at", "id"),
    ),
    "ix_contacts_stage": (
        "contacts",
        ("workspace_id", "lifecycle_stage", "created_at"),
        ("workspace_id", "lifecycle_stage", "created_at", "id"),
    ),
    "ix_contacts_company": (
        "contacts",
        ("workspace_id", "company_id"),
        ("workspace_id", "company_id", "created_at", "id"),
    ),
    "ix_contacts_owner": (
        "contacts",
        ("workspace_id", "owner_id"),
        ("workspace_id", "owner_id", "created_at", "id"),
    ),
    "ix_contacts_segment": (
        "contacts",
        ("workspace_id", "score_segment"),
        ("workspace_id", "score_segment", "created_at", "id"),
    ),
    "ix_deals_stage": (
        "deals",
        ("workspace_id", "stage", "created_at"),
        ("workspace_id", "stage", "created_at", "id"),
    ),
    "ix_deals_company": (
        "deals",
        ("workspace_id", "company_id"),
        ("workspace_id", "company_id", "created_at", "id"),
    ),
    "ix_deals_contact": (
        "deals",
        ("workspace_id", "contact_id"),
        ("workspace_id", "contact_id", "created_at", "id"),
    ),
    "ix_deals_owner": (
        "deals",
        ("workspace_id", "owner_id"),
        ("workspace_id", "owner_id", "created_at", "id"),
    ),
    "ix_activities_contact": (
        "activities",
        ("workspace_id", "contact_id", "occurred_at"),
        ("workspace_id", "contact_id", "occurred_at", "id"),
    ),
    "ix_activities_company": (
        "activities",
        ("workspace_id", "company_id", "occurred_at"),
        ("workspace_id", "company_id", "occurred_at", "id"),
    ),
    "ix_activities_deal": (
        "activities",
        ("workspace_id", "deal_id", "occurred_at"),
        ("workspace_id", "deal_id", "occurred_at", "id"),
    ),
    "ix_activities_type": (
        "activities",
        ("workspace_id", "type", "occurred_at"),
        ("workspace_id", "type", "occurred_at", "id"),
    ),
}


def upgrade() -> None:
    for name, (table, _before, after) in CHANGED.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, list(after))


def downgrade() -> None:
    for name, (table, before, _after) in CHANGED.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, list(before))
