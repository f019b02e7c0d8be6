"""Bulk loading: the generated entities into the tables, fast, never row by row.

Rows are made by the SQL adapter's own row functions (``contact_values``
computes the search key, as the store does on every write), then written in
large batches: on SQLite one executemany INSERT per chunk inside one
transaction per table, on PostgreSQL ``COPY`` through asyncpg. The
workspace row and its default sequences are created the ordinary way,
through the library, before the bulk rows that refer to them.

After loading, PostgreSQL gets ``VACUUM ANALYZE`` of the loaded tables (what
autovacuum would have done by the time a real table reached this size). SQLite is left as a real
install leaves it: nothing runs ``ANALYZE`` there. See ``deferred`` for the
indexes, which are built once after the load, and for the record counters, which
the load bypasses and ``rebuild_counters`` then computes once from the rows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import JSON, Table, insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from pauhu_crm_adapters.sql import SqlStore
from pauhu_crm_adapters.sql.repositories.activities import activity_values
from pauhu_crm_adapters.sql.repositories.companies import company_values
from pauhu_crm_adapters.sql.repositories.contacts import contact_values
from pauhu_crm_adapters.sql.repositories.deals import deal_values
from pauhu_crm_adapters.sql.repositories.enrollments import enrollment_values
from pauhu_crm_adapters.sql.repositories.tasks import task_values
from pauhu_crm_adapters.sql.tables import activities, companies, contacts, deals, enrollments, tasks
from pauhu_crm_core import CRM

from .deferred import LOADED_TABLES, deferred_indexes
from .generate import WorkspaceData

Progress = Callable[[str], None]


def _plan(
    data: WorkspaceData,
) -> list[tuple[Table, Callable[[Any], dict[str, Any]], Iterator[Any]]]:
    """Tables in foreign-key order; each generator runs only when its turn comes."""
    return [
        (companies, company_values, data.companies()),
        (contacts, contact_values, data.contacts()),
        (deals, deal_values, data.deals()),
        (activities, activity_values, data.activities()),
        (tasks, task_values, data.tasks()),
        (enrollments, enrollment_values, data.enrollments()),
    ]


async def load_workspaces(
    crm: CRM, store: SqlStore, workspaces: Sequence[WorkspaceData]
) -> dict[str, int]:
    """Create each workspace through the library, then bulk-load all their records with the
    secondary indexes built once at the end; answers the rows written per table."""
    for data in workspaces:
        # Listing the sequences provisions the workspace and its default sequences.
        await crm.workspace(data.workspace_id).sequences.list()
    counts: dict[str, int] = {}
    async with deferred_indexes(store):
        for data in workspaces:
            for table, to_values, chunks in _plan(data):
                written = await _load_table(store, data.workspace_id, table, to_values, chunks)
                counts[table.name] = counts.get(table.name, 0) + written
    await settle(store)
    return counts


async def _load_table(
    store: SqlStore,
    workspace_id: str,
    table: Table,
    to_values: Callable[[Any], dict[str, Any]],
    chunks: Iterator[Sequence[Any]],
) -> int:
    written = 0
    async with store.engine.begin() as conn:
        for chunk in chunks:
            rows = [{"workspace_id": workspace_id, **to_values(entity)} for entity in chunk]
            if conn.dialect.name == "postgresql":
                await _copy(conn, table, rows)
            else:
                await conn.execute(insert(table), rows)
            written += len(rows)
    return written


async def _copy(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    """``COPY table (columns) FROM STDIN`` (binary) with asyncpg's own codecs; JSON
    columns go as text, as SQLAlchemy's asyncpg dialect registers the jsonb codec."""
    columns = list(rows[0])
    json_columns = {name for name in columns if isinstance(table.c[name].type, JSON)}
    records = [
        tuple(
            json.dumps(row[name]) if name in json_columns and row[name] is not None else row[name]
            for name in columns
        )
        for row in rows
    ]
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.copy_records_to_table(table.name, records=records, columns=columns)


async def settle(store: SqlStore) -> None:
    """PostgreSQL: ``VACUUM ANALYZE`` of the loaded tables (visibility map and statistics as
    autovacuum leaves them in steady state). The tables left empty (deliveries, outbox …)
    are left as a fresh install has them, never analysed: analysed *empty*, a table gets
    cached generic plans that scan it whole once a run has filled it (see analysis.md)."""
    if store.engine.dialect.name != "postgresql":
        return
    async with store.engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("workspaces", "sequences", *LOADED_TABLES):
            await autocommit.execute(text(f"VACUUM ANALYZE {table}"))


def timed(progress: Progress, what: str) -> Callable[[], None]:
    """Print ``what`` now and its duration when the returned function is called."""
    started = time.perf_counter()
    progress(f"{what} …")

    def done() -> None:
        progress(f"{what}: {time.perf_counter() - started:.1f} s")

    return done
