"""Build secondary indexes once, after the bulk load, as PostgreSQL's and SQLite's docs advise.

Maintaining a dozen B-trees, a trigram index and (on PostgreSQL) a
foreign-key trigger per row costs far more than building them afterwards:
at 20k contacts SQLite's FTS5 insert trigger alone is ~185 µs a row, its
``rebuild`` ~30 µs. So, for the loaded tables only and only in the
benchmark's throw-away database:

* the secondary indexes (not those of a constraint, such as a primary key) and, on SQLite, the
  triggers (FTS and record counters) are dropped, and on PostgreSQL the foreign keys too,
  while the record counters' triggers are disabled (``DISABLE TRIGGER USER``);
* after loading they are re-created from the DDL the database itself reported
  (``sqlite_master.sql``, ``pg_get_indexdef``, ``pg_get_constraintdef``) or enabled again,
  the FTS5 tables are rebuilt with the adapter's ``rebuild_search_index`` and the
  counters (list totals, pipeline, dashboard) with its ``rebuild_counters``, and the
  schema is read back and compared with what it was: the benchmark runs on exactly
  the migrated schema;
* on SQLite, ``DROP INDEX`` also deletes the index's planner statistics (the
  ``sqlite_stat1`` rows migration 0008 ships), so they are saved first and
  written back afterwards, as they were.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from pauhu_crm_adapters.sql import SqlStore, rebuild_counters, rebuild_search_index

LOADED_TABLES = ("companies", "contacts", "deals", "activities", "tasks", "enrollments")

Ddl = list[tuple[str, str, str]]
"""(kind, name, statement) in creation order."""


async def _sqlite_schema(conn: AsyncConnection, tables: Sequence[str]) -> Ddl:
    result = await conn.execute(
        text(
            "SELECT type, name, sql FROM sqlite_master "
            "WHERE type IN ('index', 'trigger') AND sql IS NOT NULL AND tbl_name IN :tables "
            "ORDER BY type, name"
        ).bindparams(bindparam("tables", expanding=True)),
        {"tables": list(tables)},
    )
    return [(row[0], row[1], row[2]) for row in result]


async def _postgres_schema(conn: AsyncConnection, tables: Sequence[str]) -> Ddl:
    indexes = await conn.execute(
        text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(:tables) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "  WHERE c.conindid = (quote_ident(i.schemaname) || '.' || "
            "  quote_ident(i.indexname))::regclass) "
            "ORDER BY i.indexname"
        ),
        {"tables": list(tables)},
    )
    keys = await conn.execute(
        text(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
            "FROM pg_constraint c WHERE c.contype = 'f' "
            "AND c.conrelid::regclass::text = ANY(:tables) ORDER BY c.conname"
        ),
        {"tables": list(tables)},
    )
    ddl: Ddl = [("index", name, statement) for name, statement in indexes]
    ddl += [
        ("foreign key", name, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for table, name, definition in keys
    ]
    return ddl


async def _sqlite_statistics(conn: AsyncConnection, tables: Sequence[str]) -> list[tuple[str, ...]]:
    result = await conn.execute(
        text(
            "SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl IN :tables ORDER BY tbl, idx"
        ).bindparams(bindparam("tables", expanding=True)),
        {"tables": list(tables)},
    )
    return [tuple(row) for row in result]


async def _restore_sqlite_statistics(
    conn: AsyncConnection, tables: Sequence[str], rows: list[tuple[str, ...]]
) -> None:
    await conn.execute(
        text("DELETE FROM sqlite_stat1 WHERE tbl IN :tables").bindparams(
            bindparam("tables", expanding=True)
        ),
        {"tables": list(tables)},
    )
    if rows:
        await conn.execute(
            text("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (:tbl, :idx, :stat)"),
            [{"tbl": tbl, "idx": idx, "stat": stat} for tbl, idx, stat in rows],
        )
    if await _sqlite_statistics(conn, tables) != rows:
        raise RuntimeError("the planner statistics did not come back as they were")
    # A connection that re-created an index keeps planning it without statistics until
    # it reloads them; the pool hands this one to the scenarios next.
    await conn.exec_driver_sql("ANALYZE sqlite_schema")


async def _set_postgres_triggers(conn: AsyncConnection, tables: Sequence[str], state: str) -> None:
    """``ENABLE`` or ``DISABLE`` the tables' own triggers (not those of constraints)."""
    for table in tables:
        await conn.exec_driver_sql(f"ALTER TABLE {table} {state} TRIGGER USER")


async def _disabled_postgres_triggers(conn: AsyncConnection, tables: Sequence[str]) -> list[str]:
    result = await conn.execute(
        text(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D' "
            "AND tgrelid::regclass::text = ANY(:tables) ORDER BY tgname"
        ),
        {"tables": list(tables)},
    )
    return list(result.scalars())


def _drop(dialect: str, kind: str, name: str, statement: str) -> str:
    if kind == "foreign key":
        table = statement.split()[2]
        return f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'
    return f'DROP {kind.upper()} "{name}"'


@asynccontextmanager
async def deferred_indexes(
    store: SqlStore, tables: Sequence[str] = LOADED_TABLES
) -> AsyncIterator[None]:
    """Drop the tables' secondary indexes (and FTS triggers / foreign keys) for the block,
    then re-create them and check the schema came back identical."""
    dialect = store.engine.dialect.name
    read = _postgres_schema if dialect == "postgresql" else _sqlite_schema
    async with store.engine.begin() as conn:
        before = await read(conn, tables)
        statistics = await _sqlite_statistics(conn, tables) if dialect == "sqlite" else []
        for kind, name, statement in reversed(before):
            await conn.exec_driver_sql(_drop(dialect, kind, name, statement))
        if dialect == "postgresql":
            await _set_postgres_triggers(conn, tables, "DISABLE")
    yield
    async with store.engine.begin() as conn:
        if dialect == "postgresql":
            await conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '1GB'")
        for _kind, _name, statement in before:
            await conn.exec_driver_sql(statement)
        if dialect == "postgresql":
            await _set_postgres_triggers(conn, tables, "ENABLE")
            if disabled := await _disabled_postgres_triggers(conn, tables):
                raise RuntimeError(f"triggers left disabled after the bulk load: {disabled}")
        after = await read(conn, tables)
        if dialect == "sqlite":
            await _restore_sqlite_statistics(conn, tables, statistics)
    if after != before:
        raise RuntimeError("the schema did not come back as it was after the bulk load")
    await rebuild_search_index(store)
    await rebuild_counters(store)
