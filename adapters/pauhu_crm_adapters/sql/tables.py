"""The schema as SQLAlchemy Core tables: what the queries are written against.

The migration in ``migrations/versions`` creates the same schema explicitly
(it must not import this module, so old revisions never change meaning); a
test compares the migrated database with this metadata so the two cannot
drift apart.

Every tenant table's key is ``(workspace_id, id)`` and every reference
carries the workspace, so a row can only point at rows of its own workspace.
Free text is ``Text``: the core enforces the length limits, and a VARCHAR
overflow would otherwise surface as a driver error. Each table's
``info["resource"]`` is the singular name used in error messages.

The sequence tables (``sequences``, ``enrollments``, ``deliveries``,
``outbox``) follow the same rules; ``app_secrets`` is, like ``api_keys``,
not a tenant table.

``job_runs`` (the scheduler's history) is not a tenant table: the scheduler reads and
claims runs of every workspace in one transaction. Its unique key
``(job, workspace_id, scheduled_for)`` is the claim on a firing; see
``repositories/job_runs.py``.

``suppressions`` and ``audit_log`` (data protection) are tenant tables: the
suppression list holds keyed hashes of addresses never to be e-mailed again (never
an address), the audit log one row per write with the names of the fields changed
(never their values). Neither references a contact, so erasing one leaves both.

``score_history`` is a tenant table too: every evaluation applied to a contact.
Its reference to the contact cascades on delete (erasing a contact erases its
scores); its ``company_id`` has no foreign key, so deleting a company leaves
the history as it was.

Every index a list filters by ends with that list's order (``created_at, id``,
or ``occurred_at, id`` for activities), so one index answers both the filter
and the ``ORDER BY … LIMIT``: a detail view's "latest 50 of this contact"
reads 50 index entries, however many the workspace has (revision 0007).

``record_counts`` and ``pipeline_totals`` hold counters kept in step with the
record tables by triggers (revision 0009): a list's exact total, the pipeline
summary and the dashboard's score summary read them instead of every row. The
triggers, like the search indexes, are dialect-specific DDL that lives only in
the migration; see ``counters.py``.

The search indexes (an FTS5 trigram table per searchable table on SQLite, a
``pg_trgm`` GIN index on PostgreSQL) are dialect-specific DDL, so they live
only in the migration; see ``search.py``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)

from .types import UTCDateTime, json_document

ID_LENGTH = 64
"""Ids are at most 64 characters (``^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`` or a UUID)."""

ENUM_LENGTH = 16

SECRET_HASH_LENGTH = 64
"""A SHA-256 digest in hex."""

metadata = MetaData()


def _id(name: str, *, nullable: bool = False) -> Column[str]:
    return Column(name, String(ID_LENGTH), nullable=nullable)


def _enum(name: str, *, nullable: bool = False) -> Column[str]:
    return Column(name, String(ENUM_LENGTH), nullable=nullable)


def _timestamps() -> tuple[Column[object], ...]:
    return (
        Column("created_at", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
    )


def _workspace_fk(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name=f"fk_{table}_workspace")


def _reference_fk(table: str, target: str, column: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["workspace_id", column],
        [f"{target}.workspace_id", f"{target}.id"],
        name=f"fk_{table}_{column.removesuffix('_id')}",
    )


workspaces = Table(
    "workspaces",
    metadata,
    Column("id", String(ID_LENGTH), nullable=False),
    Column("name", Text, nullable=False),
    Column("timezone", Text, nullable=False),
    Column("auto_enroll", Boolean, nullable=False),
    *_timestamps(),
    PrimaryKeyConstraint("id", name="pk_workspaces"),
    info={"resource": "workspace"},
)

companies = Table(
    "companies",
    metadata,
    _id("workspace_id"),
    _id("id"),
    Column("name", Text, nullable=False),
    Column("domain", Text),
    Column("industry", Text),
    Column("size", Text),
    Column("country", Text),
    Column("city", Text),
    Column("website", Text),
    Column("linkedin_url", Text),
    Column("description", Text),
    _enum("icp_tier", nullable=True),
    Column("is_target_account", Boolean, nullable=False),
    Column("owner_id", Text),
    Column("tags", json_document(), nullable=False),
    Column("custom_fields", json_document(), nullable=False),
    *_timestamps(),
    Column("search_text", Text, nullable=False),
    PrimaryKeyConstraint("workspace_id", "id", name="pk_companies"),
    _workspace_fk("companies"),
    Index("uq_companies_domain", "workspace_id", "domain", unique=True),
    Index("ix_companies_created", "workspace_id", "created_at", "id"),
    Index("ix_companies_target", "workspace_id", "is_target_account", "created_at", "id"),
    Index("ix_companies_icp_tier", "workspace_id", "icp_tier", "created_at", "id"),
    Index("ix_companies_industry", "workspace_id", "industry", "created_at", "id"),
    Index("ix_companies_country", "workspace_id", "country", "created_at", "id"),
    info={"resource": "company"},
)

UNSCORED = text("scored_at IS NULL")
"""The contacts a scoring run has never seen (a partial index)."""

contacts = Table(
    "contacts",
    metadata,
    _id("workspace_id"),
    _id("id"),
    Column("email", Text),
    Column("first_name", Text),
    Column("last_name", Text),
    Column("phone", Text),
    Column("title", Text),
    _id("company_id", nullable=True),
    _enum("lifecycle_stage"),
    Column("lead_score", Integer, nullable=False),
    Column("lead_source", Text),
    Column("owner_id", Text),
    Column("tags", json_document(), nullable=False),
    Column("custom_fields", json_document(), nullable=False),
    *_timestamps(),
    Column("last_activity_at", UTCDateTime()),
    _enum("score_segment", nullable=True),
    Column("scored_at", UTCDateTime()),
    Column("score_breakdown", json_document()),
    Column("unsubscribed_at", UTCDateTime()),
    Column("search_text", Text, nullable=False),
    PrimaryKeyConstraint("workspace_id", "id", name="pk_contacts"),
    _workspace_fk("contacts"),
    _reference_fk("contacts", "companies", "company_id"),
    Index("uq_contacts_email", "workspace_id", "email", unique=True),
    Index("ix_contacts_created", "workspace_id", "created_at", "id"),
    Index("ix_contacts_stage", "workspace_id", "lifecycle_stage", "created_at", "id"),
    Index("ix_contacts_company", "workspace_id", "company_id", "created_at", "id"),
    Index("ix_contacts_owner", "workspace_id", "owner_id", "created_at", "id"),
    Index("ix_contacts_segment", "workspace_id", "score_segment", "created_at", "id"),
    # Scoring: a run's candidates (never scored, by id) are this partial index, in its
    # order; it holds only the unscored contacts, so scoring one takes it out…
    Index(
        "ix_contacts_unscored",
        "workspace_id",
        "id",
        sqlite_where=UNSCORED,
        postgresql_where=UNSCORED,
    ),
    # …and the dashboard's top prospects are the first entries of this one, read backwards.
    Index("ix_contacts_top_score", "workspace_id", "lead_score", "created_at", "id"),
    info={"resource": "contact"},
)

deals = Table(
    "deals",
    metadata,
    _id("workspace_id"),
    _id("id"),
    Column("name", Text, nullable=False),
    _id("company_id", nullable=True),
    _id("contact_id", nullable=True),
    _enum("stage"),
    Column("amount_cents", BigInteger),
    Column("currency", Text, nullable=False),
    Column("probability", Integer),
    Column("expected_close_date", Date),
    Column("actual_close_date", Date),
    Column("lost_reason", Text),
    Column("owner_id", Text),
    *_timestamps(),
    PrimaryKeyConstraint("workspace_id", "id", name="pk_deals"),
    _workspace_fk("deals"),
    _reference_fk("deals", "companies", "company_id"),
    _reference_fk("deals", "contacts", "contact_id"),
    Index("ix_deals_created", "workspace_id", "created_at", "id"),
    Index("ix_deals_stage", "workspace_id", "stage", "created_at", "id"),
    Index("ix_deals_company", "workspace_id", "company_id", "created_at", "id"),
    Index("ix_deals_contact", "workspace_id", "contact_id", "created_at", "id"),
    Index("ix_deals_owner", "workspace_id", "owner_id", "created_at", "id"),
    info={"resource": "deal"},
)

activities = Table(
    "activities",
    metadata,
    _id("workspace_id"),
    _id("id"),
    _id("contact_id", nullable=True),
    _id("company_id", nullable=True),
    _id("deal_id", nullable=True),
    _enum("type"),
    Column("subject", Text),
    Column("body", Text),
    Column("metadata", json_document(), nullable=False),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("created_by", Text),
    *_timestamps(),
    PrimaryKeyConstraint("workspace_id", "id", name="pk_activities"),
    _workspace_fk("activities"),
    _reference_fk("activities", "contacts", "contact_id"),
    _reference_fk("activities", "companies", "company_id"),
    _reference_fk("activities", "deals", "deal_id"),
    Index("ix_activities_occurred", "workspace_id", "occurred_at", "id"),
    Index("ix_activities_contact", "workspace_id", "contact_id", "occurred_at", "id"),
    Index("ix_activities_company", "workspace_id", "company_id", "occurred_at", "id"),
    Index("ix_activities_deal", "workspace_id", "deal_id", "occurred_at", "id"),
    Index("ix_activities_type", "workspace_id", "type", "occurred_at", "id"),
    info={"resource": "activity"},
)

OPEN_TASK = text("status <> 'done'")
"""The tasks that can be overdue (a partial index)."""

tasks = Table(
    "tasks",
    metadata,
    _id("workspace_id"),
    _id("id"),
    Column("title", Text, nullable=False),
    Column("description", Text),
    _id("contact_id", nullable=True),
    _id("company_id", nullable=True),
    _id("deal_id", nullable=True),
    Column("due_date", Date),
    _enum("priority"),
    _enum("status"),
    Column("assigned_to", Text),
    Column("completed_at", UTCDateTime()),
    *_timestamps(),
    PrimaryKeyConstraint("workspace_id", "id", name="pk_tasks"),
    _workspace_fk("tasks"),
    _reference_fk("tasks", "contacts", "contact_id"),
    _reference_fk("tasks", "companies", "company_id"),
    _reference_fk("tasks", "deals", "deal_id"),
    Index("ix_tasks_due", "workspace_id", "due_date", "created_at", "id"),
    Index("ix_tasks_status", "workspace_id", "status", "due_date"),
    Index("ix_tasks_assignee", "workspace_id", "assigned_to", "due_date"),
    Index("ix_tasks_contact", "workspace_id", "contact_id"),
    Index("ix_tasks_company", "workspace_id", "company_id"),
    Index("ix_tasks_deal", "workspace_id", "deal_id"),
    # The open tasks by due date: the overdue list's page and its total (revision 0009).
    Index(
        "ix_tasks_open_due",
        "workspace_id",
        "due_date",
        "created_at",
        "id",
        sqlite_where=OPEN_TASK,
        postgresql_where=OPEN_TASK,
    ),
    info={"resource": "task"},
)

# -- counters

COUNTER_NAME_LENGTH = 32

# Counters kept in step with the writes by triggers (revision 0009; see ``counters.py``):
# the rows of each record table per workspace in all (``facet`` and ``value`` ``''``) and
# per value of each counted facet, so that a list's exact total is one key lookup.
record_counts = Table(
    "record_counts",
    metadata,
    _id("workspace_id"),
    Column("resource", String(COUNTER_NAME_LENGTH), nullable=False),
    Column("facet", String(COUNTER_NAME_LENGTH), nullable=False),
    Column("value", String(COUNTER_NAME_LENGTH), nullable=False),
    Column("count", BigInteger, nullable=False),
    PrimaryKeyConstraint("workspace_id", "resource", "facet", "value", name="pk_record_counts"),
    _workspace_fk("record_counts"),
    info={"resource": "record count"},
)

# What the pipeline summary sums, per stage: one row per (workspace, stage).
pipeline_totals = Table(
    "pipeline_totals",
    metadata,
    _id("workspace_id"),
    _enum("stage"),
    Column("deal_count", BigInteger, nullable=False),
    Column("total_cents", BigInteger, nullable=False),
    Column("cents_times_percent", BigInteger, nullable=False),
    PrimaryKeyConstraint("workspace_id", "stage", name="pk_pipeline_totals"),
    _workspace_fk("pipeline_totals"),
    info={"resource": "pipeline total"},
)


# Not a tenant table: a key is looked up by its id alone, before the caller's
# workspace is known (the key is what names it), so the key is ``id``.
api_keys = Table(
    "api_keys",
    metadata,
    _id("id"),
    _id("workspace_id"),
    Column("name", Text),
    Column("secret_hash", String(SECRET_HASH_LENGTH), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime()),
    PrimaryKeyConstraint("id", name="pk_api_keys"),
    _workspace_fk("api_keys"),
    Index("ix_api_keys_workspace", "workspace_id", "created_at", "id"),
    info={"resource": "API key"},
)


# -- sequences

sequences = Table(
    "sequences",
    metadata,
    _id("workspace_id"),
    _id("id"),
    Column("name", Text, nullable=False),
    Column("description", Text),
    _enum("segment", nullable=True),
    _enum("status"),
    # [{"subject", "body", "delay_days"}, ...]: always read and written whole.
    Column("steps", json_document(), nullable=False),
    *_timestamps(),
    PrimaryKeyConstraint("workspace_id", "id", name="pk_sequences"),
    _workspace_fk("sequences"),
    Index("ix_sequences_created", "workspace_id", "created_at", "id"),
    info={"resource": "sequence"},
)

ACTIVE_ENROLLMENT = text("status = 'active'")
"""The rows the one-active-enrolment-per-contact rule applies to (a partial index)."""

enrollments = Table(
    "enrollments",
    metadata,
    _id("workspace_id"),
    _id("id"),
    _id("sequence_id"),
    _id("contact_id"),
    _enum("status"),
    Column("enrolled_at", UTCDateTime(), nullable=False),
    Column("enrolled_on", Date, nullable=False),
    Column("next_step", Integer, nullable=False),
    Column("next_due_on", Date),
    Column("stopped_reason", Text),
    Column("ended_at", UTCDateTime()),
    Column("updated_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("workspace_id", "id", name="pk_enrollments"),
    _workspace_fk("enrollments"),
    _reference_fk("enrollments", "sequences", "sequence_id"),
    _reference_fk("enrollments", "contacts", "contact_id"),
    # A contact is actively enrolled in at most one sequence; racing enrolments
    # (a manual one and an automatic one) cannot both win.
    Index(
        "uq_enrollments_active_contact",
        "workspace_id",
        "contact_id",
        unique=True,
        sqlite_where=ACTIVE_ENROLLMENT,
        postgresql_where=ACTIVE_ENROLLMENT,
        info={"conflict": "contact {value!r} is already actively enrolled in a sequence"},
    ),
    Index("ix_enrollments_due", "workspace_id", "status", "next_due_on", "id"),
    Index("ix_enrollments_sequence", "workspace_id", "sequence_id", "status"),
    Index("ix_enrollments_contact", "workspace_id", "contact_id"),
    info={"resource": "enrollment"},
)

# The log of sequence e-mails, and what makes each (enrolment, step) sent at most
# once: its unique key. Deliberately no foreign key to enrolments, contacts or
# sequences: deleting a contact or a sequence leaves the record of what was sent
# (and the claim that keeps it from being sent again). Erasure (GDPR) deletes a
# contact's deliveries explicitly, with its enrolments: ``ix_deliveries_contact``.
deliveries = Table(
    "deliveries",
    metadata,
    _id("workspace_id"),
    _id("id"),
    _id("enrollment_id"),
    Column("step_index", Integer, nullable=False),
    _id("contact_id"),
    _id("sequence_id"),
    Column("message_id", Text, nullable=False),
    _enum("status"),
    Column("attempts", Integer, nullable=False),
    Column("run_id", Text, nullable=False),
    Column("error", Text),
    Column("claimed_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime()),
    PrimaryKeyConstraint("workspace_id", "id", name="pk_deliveries"),
    _workspace_fk("deliveries"),
    Index("uq_deliveries_step", "workspace_id", "enrollment_id", "step_index", unique=True),
    Index("ix_deliveries_status", "workspace_id", "status", "claimed_at"),
    # A contact's deliveries (export, erasure), in the list's order read backwards.
    Index("ix_deliveries_contact", "workspace_id", "contact_id", "claimed_at", "id"),
    info={"resource": "delivery"},
)

outbox = Table(
    "outbox",
    metadata,
    _id("workspace_id"),
    _id("id"),
    Column("message_id", Text, nullable=False),
    Column("to_address", Text, nullable=False),
    Column("sender", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("headers", json_document(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("workspace_id", "id", name="pk_outbox"),
    _workspace_fk("outbox"),
    Index("ix_outbox_created", "workspace_id", "created_at", "id"),
    # The messages sent to one address (export, erasure), in the list's order read backwards.
    Index("ix_outbox_to", "workspace_id", "to_address", "created_at", "id"),
    info={"resource": "outbox message"},
)

# -- lead scoring

score_history = Table(
    "score_history",
    metadata,
    _id("workspace_id"),
    _id("id"),
    _id("contact_id"),
    # No foreign key: deleting a company must not erase (or be blocked by) the history.
    _id("company_id", nullable=True),
    Column("scorer", Text, nullable=False),
    Column("model", Text),
    Column("prompt_version", Text),
    Column("input_hash", Text, nullable=False),
    # [{"key", "points", "rationale"}, ...]: always read and written whole.
    Column("criteria", json_document(), nullable=False),
    Column("score", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("workspace_id", "id", name="pk_score_history"),
    _workspace_fk("score_history"),
    # Erasing a contact erases its score history with it.
    ForeignKeyConstraint(
        ["workspace_id", "contact_id"],
        ["contacts.workspace_id", "contacts.id"],
        name="fk_score_history_contact",
        ondelete="CASCADE",
    ),
    Index("ix_score_history_contact", "workspace_id", "contact_id", "created_at", "id"),
    info={"resource": "score record"},
)

# Not a tenant table: secrets of the installation (the unsubscribe-link signing
# key), shared by every process that uses the database.
app_secrets = Table(
    "app_secrets",
    metadata,
    Column("name", String(ID_LENGTH), nullable=False),
    Column("value", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("name", name="pk_app_secrets"),
    info={"resource": "app secret"},
)


# -- scheduled jobs

# Not a tenant table (the scheduler works across workspaces). Each row is both a run's
# history and the claim on its firing: the unique key admits one row per
# (job, workspace, scheduled time), whichever process inserts it first.
job_runs = Table(
    "job_runs",
    metadata,
    _id("id"),
    Column("job", String(ID_LENGTH), nullable=False),
    _id("workspace_id"),
    Column("scheduled_for", UTCDateTime(), nullable=False),
    _enum("status"),
    Column("runner", Text, nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
    Column("result", json_document()),
    Column("error", Text),
    PrimaryKeyConstraint("id", name="pk_job_runs"),
    _workspace_fk("job_runs"),
    Index("uq_job_runs_claim", "job", "workspace_id", "scheduled_for", unique=True),
    # A workspace's history, newest first: the order (scheduled_for, started_at, id all
    # descending) is this index read backwards.
    Index("ix_job_runs_workspace", "workspace_id", "scheduled_for", "started_at", "id"),
    # What has been claimed since a time (catch-up), and the unfiltered history.
    Index("ix_job_runs_scheduled", "scheduled_for"),
    # Runs left ``running`` by a process that died.
    Index("ix_job_runs_stale", "status", "started_at"),
    info={"resource": "job run"},
)


# -- data protection

EMAIL_HASH_LENGTH = 64
"""An HMAC-SHA256 digest in hex."""

# The suppression list: an address is kept only as a keyed hash, so the list itself
# holds no personal data that could be read back.
suppressions = Table(
    "suppressions",
    metadata,
    _id("workspace_id"),
    Column("email_hash", String(EMAIL_HASH_LENGTH), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("workspace_id", "email_hash", name="pk_suppressions"),
    _workspace_fk("suppressions"),
    info={"resource": "suppression"},
)

# One row per write: who, what, which fields (names only), when. No foreign key to the
# resource: the entry outlives the record (an erased contact keeps its ``erase`` entry).
audit_log = Table(
    "audit_log",
    metadata,
    _id("workspace_id"),
    _id("id"),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("resource", Text, nullable=False),
    Column("resource_id", Text),
    # ["name", ...]: the changed fields' names, always read and written whole.
    Column("fields", json_document(), nullable=False),
    Column("request_id", Text),
    PrimaryKeyConstraint("workspace_id", "id", name="pk_audit_log"),
    _workspace_fk("audit_log"),
    # The log is newest first (``at``, then ``id``, descending): each index below is
    # read backwards, so a filtered page needs no sorting step.
    Index("ix_audit_log_at", "workspace_id", "at", "id"),
    Index("ix_audit_log_resource", "workspace_id", "resource", "resource_id", "at", "id"),
    Index("ix_audit_log_actor", "workspace_id", "actor", "at", "id"),
    info={"resource": "audit entry"},
)
