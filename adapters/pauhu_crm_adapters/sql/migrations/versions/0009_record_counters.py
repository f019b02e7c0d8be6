"""Counters kept in step with the writes: exact totals without reading every row.

A list page's exact total, the pipeline summary and the dashboard's score summary
each read every row they count (``count(*)``, ``GROUP BY``), so their cost grew
with the workspace: 50–90 ms for a list total and ~0.3 s for the pipeline at 1M
contacts and 300k deals, ~1 s for the dashboard. This revision keeps those figures
in two small tables, updated by database triggers in the transaction of every
write, so that every write path is counted (the repositories, executemany batches,
erasure, imports, ``COPY``; on PostgreSQL a scoring run's batch update counts
itself in one upsert, see below):

* ``record_counts(workspace_id, resource, facet, value, count)``: per workspace
  and table (``resource``) the rows in all (facet and value ``''``) and per value
  of each counted facet: contacts by ``lifecycle_stage``, ``score_segment`` (``''``
  for a contact without one) and ``scored_lead_score`` (the ``lead_score`` of
  scored contacts only: the dashboard's never-scored count and average follow
  from it); companies by ``is_target_account`` (``'true'``/``'false'``); deals by
  ``stage``; tasks by ``status``. A value whose rows are all gone keeps its row,
  at 0.
* ``pipeline_totals(workspace_id, stage, deal_count, total_cents,
  cents_times_percent)``: per stage what the pipeline summary sums, with the
  same arithmetic (``coalesce(amount_cents, 0) * coalesce(probability, 0)``;
  the read rounds as the ``GROUP BY`` did).

The triggers fire on INSERT, on DELETE and on an UPDATE of a counted column that
changes it (``UPDATE OF … WHEN``), so touching ``last_activity_at`` or clearing a
reference costs nothing. Each adds its deltas with an upsert (``INSERT … ON
CONFLICT … DO UPDATE SET count = count + excluded.count``), which creates a
missing row.

* SQLite: plain triggers, one statement each (SQLite runs one writer at a time).
* PostgreSQL: plpgsql functions; statement-level triggers with transition tables
  for INSERT and DELETE (one upsert per statement, however many rows: a bulk
  insert or a ``COPY`` stays fast), a row trigger for an UPDATE that changes a
  counted column. Every upsert is sorted by key, and every writer locks the table's
  total row first, so writers lock a workspace's counter rows in one order.
  Writers of one table in one workspace queue on its total row until they commit
  (see ``docs/storage.md``).

The upgrade fills the counters from the rows already there (one ``INSERT …
SELECT … GROUP BY`` per table). ``rebuild_counters`` (``sql/counters.py``) does
the same on a live database, after a bulk load that bypassed the triggers or as
a repair.

Also: ``ix_tasks_open_due``, the open tasks by due date (a partial index), for the
overdue list and its total, with its row of SQLite planner statistics (see 0008).

Written out explicitly (no import of the live ``tables.py`` or ``counters.py``),
like the earlier revisions; the schema test checks the tables against ``tables.py``.

Revision ID: 0009_record_counters
Revises: 0008_sqlite_planner_statistics
Create Date: 2026-11-28
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

revision = "0009_record_counters"
down_revision = "0008_sqlite_planner_statistics"
branch_labels = None
depends_on = None

ID = sa.String(64)
ENUM = sa.String(16)
NAME = sa.String(32)

OPEN_TASK = sa.text("status <> 'done'")


class Facet(NamedTuple):
    """A counted facet: its name, its value as SQL over ``{row}``, the columns that value
    reads, and (optionally) the condition, over ``{row}``, for a row to be counted."""

    name: str
    value: str
    columns: tuple[str, ...]
    when: str | None = None


TOTAL = Facet("", "''", ())

FACETS: dict[str, tuple[Facet, ...]] = {
    "companies": (
        TOTAL,
        Facet(
            "is_target_account",
            "CASE WHEN {row}.is_target_account THEN 'true' ELSE 'false' END",
            ("is_target_account",),
        ),
    ),
    "contacts": (
        TOTAL,
        Facet("lifecycle_stage", "{row}.lifecycle_stage", ("lifecycle_stage",)),
        Facet("score_segment", "coalesce({row}.score_segment, '')", ("score_segment",)),
        Facet(
            "scored_lead_score",
            "CAST({row}.lead_score AS TEXT)",
            ("lead_score", "scored_at"),
            when="{row}.scored_at IS NOT NULL",
        ),
    ),
    "deals": (TOTAL, Facet("stage", "{row}.stage", ("stage",))),
    "tasks": (TOTAL, Facet("status", "{row}.status", ("status",))),
}

NOT_COUNTED_BY_WRITER = "current_setting('pauhu_crm.counting', true) IS DISTINCT FROM 'batch'"
"""PostgreSQL: a transaction that set ``pauhu_crm.counting`` to ``'batch'`` (locally) counts
the contacts it updates itself, in one upsert per batch."""

PIPELINE_COLUMNS = ("stage", "amount_cents", "probability")
AMOUNT = "coalesce({row}.amount_cents, 0)"
WEIGHTED = "coalesce({row}.amount_cents, 0) * coalesce({row}.probability, 0)"

COUNT_CONFLICT = (
    "ON CONFLICT (workspace_id, resource, facet, value) "
    "DO UPDATE SET count = record_counts.count + excluded.count"
)
PIPELINE_CONFLICT = (
    "ON CONFLICT (workspace_id, stage) DO UPDATE SET "
    "deal_count = pipeline_totals.deal_count + excluded.deal_count, "
    "total_cents = pipeline_totals.total_cents + excluded.total_cents, "
    "cents_times_percent = pipeline_totals.cents_times_percent + excluded.cents_times_percent"
)

# (table, index, stat) as in 0008: the open tasks are about two thirds of the tasks.
STATISTICS = (("tasks", "ix_tasks_open_due", "130000 32500 20 1 1"),)


def upgrade() -> None:
    op.create_table(
        "record_counts",
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("resource", NAME, nullable=False),
        sa.Column("facet", NAME, nullable=False),
        sa.Column("value", NAME, nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace_id", "resource", "facet", "value", name="pk_record_counts"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name="fk_record_counts_workspace"
        ),
    )
    op.create_table(
        "pipeline_totals",
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("stage", ENUM, nullable=False),
        sa.Column("deal_count", sa.BigInteger, nullable=False),
        sa.Column("total_cents", sa.BigInteger, nullable=False),
        sa.Column("cents_times_percent", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "stage", name="pk_pipeline_totals"),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name="fk_pipeline_totals_workspace"
        ),
    )
    op.create_index(
        "ix_tasks_open_due",
        "tasks",
        ["workspace_id", "due_date", "created_at", "id"],
        sqlite_where=OPEN_TASK,
        postgresql_where=OPEN_TASK,
    )
    for table, facets in FACETS.items():
        op.execute(_fill_counts(table, facets))
    op.execute(_fill_pipeline())
    if op.get_bind().dialect.name == "postgresql":
        _create_postgresql_triggers()
    else:
        _create_sqlite_triggers()
        _add_statistics()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _drop_postgresql_triggers()
    else:
        for name in _sqlite_trigger_names():
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DELETE FROM sqlite_stat1 WHERE idx = 'ix_tasks_open_due'")
        op.execute("ANALYZE sqlite_schema")
    op.drop_index("ix_tasks_open_due", table_name="tasks")
    op.drop_table("pipeline_totals")
    op.drop_table("record_counts")


# -- filling from the rows already there


def _fill_counts(table: str, facets: tuple[Facet, ...]) -> str:
    parts = []
    for facet in facets:
        value = facet.value.format(row=table)
        where = "" if facet.when is None else f" WHERE {facet.when.format(row=table)}"
        group_by = "workspace_id" if facet is TOTAL else f"workspace_id, {value}"
        parts.append(
            f"SELECT workspace_id, '{table}', '{facet.name}', {value}, count(*) "
            f"FROM {table}{where} GROUP BY {group_by}"
        )
    return (
        "INSERT INTO record_counts (workspace_id, resource, facet, value, count) "
        + " UNION ALL ".join(parts)
    )


def _fill_pipeline() -> str:
    return (
        "INSERT INTO pipeline_totals "
        "(workspace_id, stage, deal_count, total_cents, cents_times_percent) "
        f"SELECT workspace_id, stage, count(*), sum({AMOUNT.format(row='deals')}), "
        f"sum({WEIGHTED.format(row='deals')}) FROM deals GROUP BY workspace_id, stage"
    )


# -- SQLite


def _sqlite_rows(table: str, facets: tuple[Facet, ...], row: str, delta: int) -> list[str]:
    """One ``SELECT`` of the delta of ``row`` (``new`` or ``old``) per facet; each has a
    WHERE, which SQLite needs before the upsert's ``ON CONFLICT``."""
    return [
        f"SELECT {row}.workspace_id, '{table}', '{facet.name}', {facet.value.format(row=row)}, "
        f"{delta} WHERE {'true' if facet.when is None else facet.when.format(row=row)}"
        for facet in facets
    ]


def _sqlite_count(rows: list[str]) -> str:
    return (
        "INSERT INTO record_counts (workspace_id, resource, facet, value, count) "
        + " UNION ALL ".join(rows)
        + f" {COUNT_CONFLICT};"
    )


def _sqlite_pipeline(row: str, sign: str) -> str:
    return (
        f"({row}.workspace_id, {row}.stage, {sign}1, {sign}{AMOUNT.format(row=row)}, "
        f"{sign}{WEIGHTED.format(row=row)})"
    )


def _changed(facet: Facet, before: str = "old", after: str = "new") -> str:
    """Whether an update changes a facet's value or whether the row is counted in it."""
    value = f"{facet.value.format(row=before)} IS NOT {facet.value.format(row=after)}"
    if facet.when is None:
        return value
    when = f"({facet.when.format(row=before)}) IS NOT ({facet.when.format(row=after)})"
    return f"{value} OR {when}"


def _sqlite_trigger_names() -> list[str]:
    names = []
    for table, facets in FACETS.items():
        names += [f"{table}_counts_ai", f"{table}_counts_ad"]
        names += [f"{table}_counts_au_{facet.name}" for facet in facets if facet.name]
    return [*names, "deals_pipeline_au"]


def _create_sqlite_triggers() -> None:
    insert_pipeline = (
        "INSERT INTO pipeline_totals "
        "(workspace_id, stage, deal_count, total_cents, cents_times_percent) VALUES "
    )
    for table, facets in FACETS.items():
        on_insert = _sqlite_count(_sqlite_rows(table, facets, "new", 1))
        on_delete = _sqlite_count(_sqlite_rows(table, facets, "old", -1))
        if table == "deals":
            on_insert += f" {insert_pipeline}{_sqlite_pipeline('new', '')} {PIPELINE_CONFLICT};"
            on_delete += f" {insert_pipeline}{_sqlite_pipeline('old', '-')} {PIPELINE_CONFLICT};"
        op.execute(
            f"CREATE TRIGGER {table}_counts_ai AFTER INSERT ON {table} BEGIN {on_insert} END"
        )
        op.execute(
            f"CREATE TRIGGER {table}_counts_ad AFTER DELETE ON {table} BEGIN {on_delete} END"
        )
        for facet in facets:
            if not facet.name:
                continue
            only = (facet,)
            moved = _sqlite_count(
                _sqlite_rows(table, only, "old", -1) + _sqlite_rows(table, only, "new", 1)
            )
            op.execute(
                f"CREATE TRIGGER {table}_counts_au_{facet.name} "
                f"AFTER UPDATE OF {', '.join(facet.columns)} ON {table} "
                f"WHEN {_changed(facet)} BEGIN {moved} END"
            )
    changed = " OR ".join(f"old.{column} IS NOT new.{column}" for column in PIPELINE_COLUMNS)
    moved = (
        f"{insert_pipeline}{_sqlite_pipeline('old', '-')}, {_sqlite_pipeline('new', '')} "
        f"{PIPELINE_CONFLICT};"
    )
    op.execute(
        f"CREATE TRIGGER deals_pipeline_au AFTER UPDATE OF {', '.join(PIPELINE_COLUMNS)} "
        f"ON deals WHEN {changed} BEGIN {moved} END"
    )


def _add_statistics() -> None:
    # sqlite_stat1 exists since 0008.
    op.execute("DELETE FROM sqlite_stat1 WHERE idx = 'ix_tasks_open_due'")
    stat1 = sa.table("sqlite_stat1", sa.column("tbl"), sa.column("idx"), sa.column("stat"))
    op.bulk_insert(
        stat1, [{"tbl": table, "idx": index, "stat": stat} for table, index, stat in STATISTICS]
    )
    op.execute("ANALYZE sqlite_schema")


# -- PostgreSQL
#
# INSERT and DELETE: a statement-level trigger per table and event, which counts the
# statement's transition table (``inserted`` / ``deleted``) and adds it in one upsert: a
# multi-row INSERT (SQLAlchemy's executemany), a COPY or a DELETE of a contact's tasks
# costs one upsert, not one per row. (A row trigger would also update the same counter
# row once per row, and PostgreSQL keeps every version of a row a transaction updated
# until it ends: a 20,000-row import would walk ever longer version chains, ~5 ms a row.)
#
# UPDATE: a row trigger, which fires only when a counted column changes (``UPDATE OF``
# cannot be combined with transition tables), moves the row's counts between values.
# The one writer that updates counted columns of many rows in one transaction, a scoring
# run's batch, counts the batch itself in one upsert instead (see NOT_COUNTED_BY_WRITER):
# per row, the counters would be updated hundreds of times in one transaction.
#
# Lock order: every upsert is sorted by key, and the update trigger locks the table's
# total row (``FOR NO KEY UPDATE``, no new row version) before it, as inserts and
# deletes update it first; so writers of one workspace take its counter locks in one
# order, starting with the row they all share.


def _postgresql_statement_function(table: str, facets: tuple[Facet, ...], event: str) -> str:
    changed, sign = ("inserted", "") if event == "INSERT" else ("deleted", "-")
    rows = " UNION ALL ".join(
        f"SELECT workspace_id, '{facet.name}'::text, CAST({facet.value.format(row='r')} AS text) "
        f"FROM {changed} AS r"
        + ("" if facet.when is None else f" WHERE {facet.when.format(row='r')}")
        for facet in facets
    )
    counts = (
        "INSERT INTO record_counts (workspace_id, resource, facet, value, count) "
        f"SELECT workspace_id, '{table}', facet, value, {sign}count(*) "
        f"FROM ({rows}) AS changes (workspace_id, facet, value) "
        f"GROUP BY workspace_id, facet, value ORDER BY workspace_id, facet, value "
        f"{COUNT_CONFLICT};"
    )
    pipeline = ""
    if table == "deals":
        pipeline = (
            "INSERT INTO pipeline_totals "
            "(workspace_id, stage, deal_count, total_cents, cents_times_percent) "
            f"SELECT workspace_id, stage, {sign}count(*), {sign}sum({AMOUNT.format(row='r')}), "
            f"{sign}sum({WEIGHTED.format(row='r')}) FROM {changed} AS r "
            f"GROUP BY workspace_id, stage ORDER BY workspace_id, stage {PIPELINE_CONFLICT};"
        )
    return (
        f"CREATE FUNCTION record_counts_{table}_{changed}() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN {counts} {pipeline} RETURN NULL; END $$"
    )


def _postgresql_update_function(table: str, facets: tuple[Facet, ...]) -> str:
    rows = []
    for facet in facets:
        if facet is TOTAL:
            continue
        for row, delta in (("NEW", 1), ("OLD", -1)):
            when = "" if facet.when is None else f" WHERE {facet.when.format(row=row)}"
            rows.append(
                f"SELECT '{facet.name}'::text, CAST({facet.value.format(row=row)} AS text), "
                f"{delta}{when}"
            )
    lock_total = (
        "PERFORM 1 FROM record_counts WHERE workspace_id = NEW.workspace_id "
        f"AND resource = '{table}' AND facet = '' AND value = '' FOR NO KEY UPDATE;"
    )
    counts = (
        "INSERT INTO record_counts (workspace_id, resource, facet, value, count) "
        f"SELECT NEW.workspace_id, '{table}', facet, value, sum(delta) "
        f"FROM ({' UNION ALL '.join(rows)}) AS changes (facet, value, delta) "
        "GROUP BY facet, value HAVING sum(delta) <> 0 "
        f"ORDER BY facet, value {COUNT_CONFLICT};"
    )
    pipeline = ""
    if table == "deals":
        changes = " UNION ALL ".join(
            f"SELECT {row}.stage, {sign}1, {sign}{AMOUNT.format(row=row)}, "
            f"{sign}{WEIGHTED.format(row=row)}"
            for row, sign in (("NEW", ""), ("OLD", "-"))
        )
        pipeline = (
            "INSERT INTO pipeline_totals "
            "(workspace_id, stage, deal_count, total_cents, cents_times_percent) "
            "SELECT NEW.workspace_id, stage, sum(deals), sum(cents), sum(weighted) "
            f"FROM ({changes}) AS changes (stage, deals, cents, weighted) "
            "GROUP BY stage "
            "HAVING sum(deals) <> 0 OR sum(cents) <> 0 OR sum(weighted) <> 0 "
            f"ORDER BY stage {PIPELINE_CONFLICT};"
        )
    return (
        f"CREATE FUNCTION record_counts_{table}_updated() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN {lock_total} {counts} {pipeline} RETURN NULL; END $$"
    )


def _create_postgresql_triggers() -> None:
    for table, facets in FACETS.items():
        for event, changed, transition in (
            ("INSERT", "inserted", "NEW"),
            ("DELETE", "deleted", "OLD"),
        ):
            op.execute(_postgresql_statement_function(table, facets, event))
            op.execute(
                f"CREATE TRIGGER {table}_counts_{changed} AFTER {event} ON {table} "
                f"REFERENCING {transition} TABLE AS {changed} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION record_counts_{table}_{changed}()"
            )
        columns = sorted({column for facet in facets for column in facet.columns})
        if table == "deals":
            columns = sorted({*columns, *PIPELINE_COLUMNS})
        changed_columns = " OR ".join(
            f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns
        )
        if table == "contacts":
            # A scoring run's batch update counts itself in one upsert (see
            # SqlContactRepository.apply_scores) and says so for its own statements.
            changed_columns = f"({changed_columns}) AND {NOT_COUNTED_BY_WRITER}"
        op.execute(_postgresql_update_function(table, facets))
        op.execute(
            f"CREATE TRIGGER {table}_counts_updated AFTER UPDATE OF {', '.join(columns)} "
            f"ON {table} FOR EACH ROW WHEN ({changed_columns}) "
            f"EXECUTE FUNCTION record_counts_{table}_updated()"
        )


def _drop_postgresql_triggers() -> None:
    for table in FACETS:
        for changed in ("inserted", "deleted", "updated"):
            op.execute(f"DROP TRIGGER {table}_counts_{changed} ON {table}")
            op.execute(f"DROP FUNCTION record_counts_{table}_{changed}()")
