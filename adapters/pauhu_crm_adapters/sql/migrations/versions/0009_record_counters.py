"""Counters kept in step with the writes: exact totals without reading every row.

A list page's exact total, the pipeline summary and the dashboard's score summary
each read every row they count (``count(*)``, ``GROUP BY``), so their cost grew
with the workspace: 50–90 ms for a list total and ~0.3 s for the pipeline at 1M
contacts and 300k deals, ~1 s for the dashboard. This revision keeps those figures
in two small tables, updated by database triggers in the transaction of every
write, so that every write path is counted (the repositories, executemany batches,
scoring's batch update, erasure, imports, ``COPY``):

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
* PostgreSQL: a plpgsql function per table and row triggers. The function writes
  every delta of a row in one statement per counter table, sorted by key, and
  always touches the table's total row first (with a delta of 0 on an update), so
  every writer locks a workspace's counter rows in one order: two single-row
  writes never deadlock. Writers of one table in one workspace queue on its total
  row until they commit (see ``docs/storage.md``).

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
        for table in FACETS:
            op.execute(f"DROP TRIGGER {table}_counts_update ON {table}")
            op.execute(f"DROP TRIGGER {table}_counts_insert_delete ON {table}")
            op.execute(f"DROP FUNCTION record_counts_{table}()")
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


def _postgresql_rows(table: str, facets: tuple[Facet, ...]) -> str:
    rows = []
    for facet in facets:
        for row, delta, op_excluded in (("NEW", 1, "DELETE"), ("OLD", -1, "INSERT")):
            when = "" if facet.when is None else f" AND {facet.when.format(row=row)}"
            rows.append(
                f"SELECT {row}.workspace_id, '{facet.name}'::text, "
                f"CAST({facet.value.format(row=row)} AS text), {delta} "
                f"WHERE TG_OP <> '{op_excluded}'{when}"
            )
    return " UNION ALL ".join(rows)


def _postgresql_function(table: str, facets: tuple[Facet, ...]) -> str:
    # Sorted by key, total first (kept even at a delta of 0): one lock order for all writers.
    counts = (
        "INSERT INTO record_counts (workspace_id, resource, facet, value, count) "
        f"SELECT workspace_id, '{table}', facet, value, sum(delta) "
        f"FROM ({_postgresql_rows(table, facets)}) AS changes (workspace_id, facet, value, delta) "
        "GROUP BY workspace_id, facet, value HAVING sum(delta) <> 0 OR facet = '' "
        f"ORDER BY facet, value {COUNT_CONFLICT};"
    )
    pipeline = ""
    if table == "deals":
        changes = " UNION ALL ".join(
            f"SELECT {row}.workspace_id, {row}.stage, {sign}1, {sign}{AMOUNT.format(row=row)}, "
            f"{sign}{WEIGHTED.format(row=row)} WHERE TG_OP <> '{op_excluded}'"
            for row, sign, op_excluded in (("NEW", "", "DELETE"), ("OLD", "-", "INSERT"))
        )
        pipeline = (
            "INSERT INTO pipeline_totals "
            "(workspace_id, stage, deal_count, total_cents, cents_times_percent) "
            "SELECT workspace_id, stage, sum(deals), sum(cents), sum(weighted) "
            f"FROM ({changes}) AS changes (workspace_id, stage, deals, cents, weighted) "
            "GROUP BY workspace_id, stage "
            "HAVING sum(deals) <> 0 OR sum(cents) <> 0 OR sum(weighted) <> 0 "
            f"ORDER BY stage {PIPELINE_CONFLICT};"
        )
    return (
        f"CREATE FUNCTION record_counts_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {counts} {pipeline} RETURN NULL; END $$"
    )


def _create_postgresql_triggers() -> None:
    for table, facets in FACETS.items():
        columns = sorted({column for facet in facets for column in facet.columns})
        if table == "deals":
            columns = sorted({*columns, *PIPELINE_COLUMNS})
        changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)
        op.execute(_postgresql_function(table, facets))
        op.execute(
            f"CREATE TRIGGER {table}_counts_insert_delete AFTER INSERT OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION record_counts_{table}()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_counts_update AFTER UPDATE OF {', '.join(columns)} "
            f"ON {table} FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION record_counts_{table}()"
        )
