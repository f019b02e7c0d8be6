"""Counters kept in step with the writes: exact totals that cost one key lookup.

``record_counts`` holds, per workspace and record table (``resource``, the table's
name), the number of rows in all (facet and value ``''``) and per value of each
counted facet; ``pipeline_totals`` holds per deal stage what the pipeline summary
sums. Database triggers (revision 0009) update both in the transaction of every
INSERT, DELETE and UPDATE of a counted column, whichever code runs it, so a
total read from them is exact: it counts what a ``count(*)`` in the same
transaction would. (On PostgreSQL a scoring run's batch update counts itself, in
one upsert, rather than once per contact: see
``SqlContactRepository.apply_scores``.)

Counted facets (the list filters a page offers without search, and what the
dashboard sums):

* contacts: ``lifecycle_stage``; ``score_segment`` (``''`` for a contact without
  one); ``scored_lead_score``, the ``lead_score`` of scored contacts only (its
  counts give the number of scored contacts and the sum of their scores);
* companies: ``is_target_account`` (``'true'`` / ``'false'``);
* deals: ``stage``; tasks: ``status``.

Activities are not counted: their unfiltered list runs ``count(*)`` as before,
and every logged activity (the sequence engine logs one per e-mail) stays one
insert. A value whose rows are all gone keeps its row at 0.

A bulk load that bypasses the triggers (disabled or dropped, as the benchmark
does) must be followed by ``rebuild_counters(store)``, which recomputes every
counter from the rows; it is also the repair if a counter is ever found wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Table,
    Text,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import companies, contacts, deals, pipeline_totals, record_counts, tasks

if TYPE_CHECKING:
    from .store import SqlStore

TOTAL = ("", "")
"""The (facet, value) of a table's row count."""

SCORED_LEAD_SCORE = "scored_lead_score"
"""The facet that counts scored contacts by their ``lead_score``."""

Facet = tuple[str, ColumnElement[Any], ColumnElement[bool] | None]
"""A counted facet: its name, its value as SQL, and the condition to be counted in it."""


def _facets(table: Table) -> list[Facet]:
    """The facets the triggers of revision 0009 count, as SQLAlchemy expressions."""
    c = table.c
    if table is contacts:
        return [
            ("lifecycle_stage", c.lifecycle_stage, None),
            ("score_segment", func.coalesce(c.score_segment, ""), None),
            (SCORED_LEAD_SCORE, cast(c.lead_score, Text), c.scored_at.is_not(None)),
        ]
    if table is companies:
        return [("is_target_account", case((c.is_target_account, "true"), else_="false"), None)]
    if table is deals:
        return [("stage", c.stage, None)]
    if table is tasks:
        return [("status", c.status, None)]
    raise ValueError(f"{table.name} is not counted")


COUNTED_TABLES = (companies, contacts, deals, tasks)


def facet_value(value: object) -> str:
    """A filter's value as the counters store it."""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def read_count(
    conn: AsyncConnection, workspace_id: str, table: Table, facet: str, value: str
) -> int:
    """The counter of ``table``'s rows in the workspace with ``facet`` = ``value``
    (``TOTAL`` for all of them); no counter row means no such rows."""
    rc = record_counts.c
    count = await conn.scalar(
        select(rc.count).where(
            (rc.workspace_id == workspace_id)
            & (rc.resource == table.name)
            & (rc.facet == facet)
            & (rc.value == value)
        )
    )
    return int(count or 0)


def _recount(table: Table, workspace_id: str | None) -> Any:
    """``SELECT workspace_id, resource, facet, value, count(*)`` of every counter of
    ``table``, grouped from its rows."""
    c = table.c
    resource = literal(table.name)
    parts = [
        select(c.workspace_id, resource, literal(""), literal(""), func.count()).group_by(
            c.workspace_id
        )
    ]
    for name, value, when in _facets(table):
        part = select(c.workspace_id, resource, literal(name), value, func.count()).group_by(
            c.workspace_id, value
        )
        if when is not None:
            part = part.where(when)
        parts.append(part)
    if workspace_id is not None:
        parts = [part.where(c.workspace_id == workspace_id) for part in parts]
    return union_all(*parts)


def _pipeline(workspace_id: str | None) -> Any:
    amount = func.coalesce(deals.c.amount_cents, 0)
    query = select(
        deals.c.workspace_id,
        deals.c.stage,
        func.count(),
        func.sum(amount),
        func.sum(amount * func.coalesce(deals.c.probability, 0)),
    ).group_by(deals.c.workspace_id, deals.c.stage)
    if workspace_id is not None:
        query = query.where(deals.c.workspace_id == workspace_id)
    return query


async def rebuild_counters(store: SqlStore, workspace_id: str | None = None) -> None:
    """Recompute every counter (of one workspace, or of all) from the rows, in one
    transaction: after a bulk load that bypassed the triggers, or as a repair.

    On PostgreSQL the counter tables are locked against writers (``EXCLUSIVE``: reads
    go on) until the rebuild commits, so a write racing it is counted exactly once;
    SQLite's write lock does the same. It reads every row of the counted tables."""
    async with store.engine.begin() as conn:
        await rebuild_counters_on(conn, workspace_id)


async def rebuild_counters_on(conn: AsyncConnection, workspace_id: str | None = None) -> None:
    """``rebuild_counters`` within the caller's transaction on ``conn``."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("LOCK TABLE record_counts, pipeline_totals IN EXCLUSIVE MODE"))
    for counter in (record_counts, pipeline_totals):
        clear = delete(counter)
        if workspace_id is not None:
            clear = clear.where(counter.c.workspace_id == workspace_id)
        await conn.execute(clear)
    rc = record_counts.c
    for table in COUNTED_TABLES:
        await conn.execute(
            insert(record_counts).from_select(
                [rc.workspace_id, rc.resource, rc.facet, rc.value, rc.count],
                _recount(table, workspace_id),
            )
        )
    pt = pipeline_totals.c
    await conn.execute(
        insert(pipeline_totals).from_select(
            [pt.workspace_id, pt.stage, pt.deal_count, pt.total_cents, pt.cents_times_percent],
            _pipeline(workspace_id),
        )
    )


def counted_filter(
    counted_facets: frozenset[str], filters: Mapping[str, object]
) -> tuple[str, str] | None:
    """The counter holding the total of a list filtered by ``filters`` (``None`` values are
    unset): the table's total when none is set, a facet's when exactly one counted facet
    is; ``None`` when the total must be counted."""
    chosen = [(name, value) for name, value in filters.items() if value is not None]
    if not chosen:
        return TOTAL
    if len(chosen) == 1 and chosen[0][0] in counted_facets:
        name, value = chosen[0]
        return name, facet_value(value)
    return None
