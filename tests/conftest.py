"""Fixtures shared by every test: the anyio backend and SQL stores on both backends.

Async tests use anyio's own pytest plugin (``@pytest.mark.anyio``). Tests that
take ``store`` run once on SQLite (a file in a session temp dir) and once on
PostgreSQL (``PAUHU_CRM_TEST_POSTGRES_URL``, a throw-away database; skipped
when unset). The databases are shared by the session, so every test works
in its own ``workspace_id``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from pauhu_crm_adapters.sql import SqlStore, open_sql_store
from pauhu_crm_adapters.sql.engine import create_sql_engine
from pauhu_crm_core.testing import FrozenClock

POSTGRES_URL_VARIABLE = "PAUHU_CRM_TEST_POSTGRES_URL"

_migrated_urls: set[str] = set()
"""Databases already upgraded in this session; migrating again would only cost time."""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def sqlite_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("sqlite") / "pauhu-crm.db"
    return f"sqlite:///{path}"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, sqlite_database_url: str) -> str:
    if request.param == "sqlite":
        return sqlite_database_url
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(
            f"{POSTGRES_URL_VARIABLE} is not set; PostgreSQL tests need a throw-away database"
        )
    return url


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    # A new engine per test: asyncpg connections belong to the test's event loop.
    opened = await open_sql_store(database_url, migrate=database_url not in _migrated_urls)
    _migrated_urls.add(database_url)
    try:
        yield opened
    finally:
        await opened.aclose()


@pytest.fixture
def workspace_id() -> str:
    return f"ws-test-{uuid.uuid4().hex[:16]}"


@pytest.fixture
def clock() -> FrozenClock:
    # 10:00 UTC is 12:00 in Helsinki, the default workspace time zone.
    return FrozenClock("2026-03-07T10:00:00Z")


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
async def fresh_store(fresh_database_url: str) -> AsyncIterator[SqlStore]:
    """A store on an empty database of its own (for tests that look at every workspace)."""
    opened = await open_sql_store(fresh_database_url)
    try:
        yield opened
    finally:
        await opened.aclose()
