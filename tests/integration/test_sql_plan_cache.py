"""PostgreSQL connections plan every statement with its values (``force_custom_plan``).

A generic plan, made once without the parameters' values, cannot tell a workspace of a
million rows from one of two hundred, and is kept while a table grows from empty; see
``pauhu_crm_adapters.sql.engine``.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from pauhu_crm_adapters.sql import SqlStore

pytestmark = pytest.mark.anyio


async def test_every_postgresql_connection_plans_with_the_values(store: SqlStore) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no plan cache to configure")
    # Two connections at once: each new one is configured, not just the first.
    async with store.engine.connect() as first, store.engine.connect() as second:
        modes = [await conn.scalar(text("SHOW plan_cache_mode")) for conn in (first, second)]
    assert modes == ["force_custom_plan", "force_custom_plan"]
