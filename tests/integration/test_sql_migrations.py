"""Migrations, the schema they build, the search indexes' query plans, and URL handling."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, make_url, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pauhu_crm_adapters.sql import SqlStore
from pauhu_crm_adapters.sql.engine import create_sql_engine
from pauhu_crm_adapters.sql.migrate import alembic_config, upgrade
from pauhu_crm_adapters.sql.search import search_condition
from pauhu_crm_adapters.sql.tables import contacts, metadata
from pauhu_crm_adapters.sql.urls import async_url

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()
CRM_TABLES = {"workspaces", "companies", "contacts", "deals", "activities", "tasks", "api_keys"}


@pytest.fixture
async def fresh_database_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: a new SQLite file, or a new PostgreSQL database next to the test one."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"pauhu_fresh_{uuid.uuid4().hex[:12]}"
    admin = create_sql_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f"CREATE DATABASE {name}"))
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        await admin.dispose()


@pytest.fixture
async def fresh_engine(fresh_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_sql_engine(fresh_database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_upgrade_creates_the_schema_and_running_it_again_changes_nothing(
    fresh_engine: AsyncEngine,
) -> None:
    assert await current_revision(fresh_engine) is None
    await upgrade(fresh_engine)
    assert await current_revision(fresh_engine) == HEAD
    created = await table_names(fresh_engine)
    assert created >= CRM_TABLES
    await upgrade(fresh_engine)
    assert await current_revision(fresh_engine) == HEAD
    assert await table_names(fresh_engine) == created


async def test_processes_migrating_at_once_migrate_once(fresh_database_url: str) -> None:
    # Two engines on one empty database, like two processes starting at the same time.
    engines = [create_sql_engine(fresh_database_url) for _ in range(2)]
    try:
        async with anyio.create_task_group() as group:
            for engine in engines:
                group.start_soon(upgrade, engine)
        assert await current_revision(engines[0]) == HEAD
    finally:
        for engine in engines:
            await engine.dispose()


async def test_downgrade_removes_everything_and_upgrade_rebuilds_it(
    fresh_engine: AsyncEngine,
) -> None:
    await upgrade(fresh_engine)

    def downgrade(sync: Connection) -> None:
        command.downgrade(alembic_config(sync), "base")

    async with fresh_engine.begin() as conn:
        await conn.run_sync(downgrade)
    assert not (await table_names(fresh_engine)) & CRM_TABLES
    await upgrade(fresh_engine)
    assert await table_names(fresh_engine) >= CRM_TABLES


async def test_a_database_at_the_first_revision_upgrades_to_api_keys_keeping_its_rows(
    fresh_engine: AsyncEngine,
) -> None:
    await upgrade(fresh_engine, "0001_initial")
    assert "api_keys" not in await table_names(fresh_engine)
    async with fresh_engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO workspaces (id, name, timezone, auto_enroll, created_at, updated_at) "
                "VALUES ('ws-old', 'Old', 'Europe/Helsinki', true, :at, :at)"
            ),
            {"at": "2026-03-07T10:00:00.000000Z" if conn.dialect.name == "sqlite" else T0},
        )
    await upgrade(fresh_engine)
    assert await current_revision(fresh_engine) == HEAD
    assert "api_keys" in await table_names(fresh_engine)
    async with fresh_engine.connect() as conn:
        assert await conn.scalar(text("SELECT name FROM workspaces WHERE id = 'ws-old'")) == "Old"


def _is_search_index(name: str | None, type_: str) -> bool:
    """The dialect-specific search DDL that lives only in the migration (see ``search.py``)."""
    if name is None:
        return False
    if type_ == "table":
        return name.startswith(("contacts_fts", "companies_fts"))
    return type_ == "index" and name.endswith("_search_trgm")


async def test_the_migrated_schema_matches_tables_py(fresh_engine: AsyncEngine) -> None:
    await upgrade(fresh_engine)

    def differences(sync: Connection) -> list[Any]:
        context = MigrationContext.configure(
            sync,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": lambda name, type_, _parents: not _is_search_index(name, type_),
            },
        )
        return list(compare_metadata(context, metadata))

    async with fresh_engine.connect() as conn:
        assert await conn.run_sync(differences) == []


async def _query_plan(conn: AsyncConnection, term: str) -> str:
    statement = select(contacts.c.id).where(search_condition(contacts, term, conn.dialect.name))
    compiled = statement.compile(dialect=conn.dialect)
    parameters = tuple(compiled.params[name] for name in compiled.positiontup or ())
    explain = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
    result = await conn.exec_driver_sql(explain + str(compiled), parameters)
    return "\n".join(" ".join(str(part) for part in row) for row in result)


async def test_search_can_use_the_trigram_index(store: SqlStore) -> None:
    async with store.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # On a near-empty table a scan is cheapest; forbid it to see the index is usable.
            await conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = await _query_plan(conn, "virtanen")
        short_plan = await _query_plan(conn, "vi")
        await conn.rollback()
    print(f"\n{store.engine.dialect.name} search plan:\n{plan}\nshort term:\n{short_plan}")
    if store.engine.dialect.name == "postgresql":
        assert "ix_contacts_search_trgm" in plan
    else:
        assert "VIRTUAL TABLE INDEX" in plan
        assert "contacts_fts" in plan
        assert "contacts_fts" not in short_plan


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("sqlite:///crm.db", "sqlite+aiosqlite:///crm.db", id="sqlite-relative"),
        pytest.param(
            "sqlite:////var/lib/crm.db", "sqlite+aiosqlite:////var/lib/crm.db", id="sqlite-absolute"
        ),
        pytest.param(
            "postgresql://u:p%40ss@db:5432/crm",
            "postgresql+asyncpg://u:p%40ss@db:5432/crm",
            id="postgresql",
        ),
        pytest.param("postgres://u@db/crm", "postgresql+asyncpg://u@db/crm", id="postgres"),
        pytest.param(
            "postgresql+asyncpg://u@db/crm", "postgresql+asyncpg://u@db/crm", id="already-async"
        ),
    ],
)
def test_plain_urls_get_their_async_driver(url: str, expected: str) -> None:
    assert async_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("mysql://u@db/crm", id="other-database"),
        pytest.param("postgresql+psycopg://u@db/crm", id="other-driver"),
        pytest.param("sqlite://", id="sqlite-memory"),
        pytest.param("sqlite:///:memory:", id="sqlite-memory-explicit"),
        pytest.param("not a url", id="garbage"),
    ],
)
def test_unsupported_urls_are_refused_with_a_clear_error(url: str) -> None:
    with pytest.raises(ValueError, match=r"unsupported|SQLite needs a file|not a database URL"):
        async_url(url)
