"""On PostgreSQL the set-based batch writes plan with their values (``force_custom_plan``)
for their own transaction only; every other statement keeps the default plan cache.

A generic plan, made once without the parameters' values, cannot know how many rows an
array parameter holds, and is kept while a table grows from empty; see
``pauhu_crm_adapters.sql.engine``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from pauhu_crm_adapters.sql import SqlStore
from pauhu_crm_adapters.sql.repositories import SqlDeliveryRepository, SqlEnrollmentRepository
from pauhu_crm_core.entities import Delivery, DeliveryStatus, Enrollment

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)

DELIVERY = Delivery(
    id="d-1",
    enrollment_id="e-1",
    step_index=0,
    contact_id="c-1",
    sequence_id="s-1",
    message_id="<e-1.0@crm.example.eu>",
    status=DeliveryStatus.SENT,
    attempts=1,
    run_id="run-1",
    claimed_at=NOW,
    sent_at=NOW,
)
ENROLLMENT = Enrollment(
    id="e-1",
    sequence_id="s-1",
    contact_id="c-1",
    enrolled_at=NOW,
    enrolled_on=NOW.date(),
    next_due_on=None,
    updated_at=NOW,
)


async def plan_cache_mode(conn: AsyncConnection) -> str:
    return str(await conn.scalar(text("SHOW plan_cache_mode")))


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda conn: SqlDeliveryRepository(conn, "ws-x").record([DELIVERY]), id="record"
        ),
        pytest.param(
            lambda conn: SqlEnrollmentRepository(conn, "ws-x").replace_many([ENROLLMENT]),
            id="replace_many",
        ),
    ],
)
async def test_a_set_based_batch_write_plans_with_its_values_in_its_transaction_only(
    store: SqlStore, write: Callable[[AsyncConnection], Awaitable[None]]
) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no plan cache to configure")
    async with store.engine.connect() as conn:
        assert await plan_cache_mode(conn) == "auto"
        await conn.rollback()
        async with conn.begin():
            await write(conn)  # rows of no workspace: nothing is written
            assert await plan_cache_mode(conn) == "force_custom_plan"
        assert await plan_cache_mode(conn) == "auto"
