"""PostgreSQL connections plan every statement with its values (``force_custom_plan``).

A generic plan, made once without the parameters' values, cannot tell a workspace of a
million rows from one of two hundred, and is kept while a table grows from empty; see
``pauhu_crm_adapters.sql.engine``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from pauhu_crm_adapters.sql import SqlStore
from pauhu_crm_core.entities import Workspace

NOW = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)

pytestmark = pytest.mark.anyio


async def test_every_postgresql_connection_plans_with_the_values(store: SqlStore) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no plan cache to configure")
    # Two connections at once: each new one is configured, not just the first; and the
    # setting outlives the transactions (and their rollbacks) that use the connection.
    for _ in range(2):
        async with store.engine.connect() as first, store.engine.connect() as second:
            modes = [await conn.scalar(text("SHOW plan_cache_mode")) for conn in (first, second)]
            await first.rollback()
            await second.rollback()
        assert modes == ["force_custom_plan", "force_custom_plan"]


async def test_a_fresh_connections_first_unit_of_work_is_still_read_only(
    store: SqlStore, workspace_id: str
) -> None:
    # Configuring a new connection must not leave a transaction open that a READ ONLY
    # unit of work would then run inside.
    await store.engine.dispose()
    with pytest.raises(DBAPIError, match=r"read-only|readonly"):
        async with store.unit_of_work(workspace_id, read_only=True) as uow:
            await uow.workspace.ensure(
                Workspace(id=workspace_id, name="Test", created_at=NOW, updated_at=NOW)
            )
