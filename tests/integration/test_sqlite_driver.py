"""SQLite statements make one trip each to the connection's thread, and a quick read in a
read-only unit none (``sqlite_driver``).

The trips are counted where aiosqlite queues them (its connection's ``_tx`` queue), and
what a statement answers (rows, their columns, row counts, the last row id, errors) is
checked to be what the DBAPI would answer on its own. A slow read is a recursive count
that takes far longer than the budget.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pauhu_crm_adapters.sql.engine import READ_ONLY, create_sql_engine

pytestmark = pytest.mark.anyio


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_sql_engine(f"sqlite:///{tmp_path / 'trips.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    try:
        yield engine
    finally:
        await engine.dispose()


class CountingQueue:
    """Stands in for the queue the connection puts its calls on; the thread still reads
    them from the real one."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue
        self.calls: list[object] = []

    def put_nowait(self, item: object) -> None:
        self.calls.append(item)
        self.queue.put_nowait(item)


@contextmanager
def trips_of(connection: Any) -> Iterator[list[object]]:
    """Every call queued on the aiosqlite connection's thread meanwhile."""
    queue = connection._tx
    counting = CountingQueue(queue)
    connection._tx = counting
    try:
        yield counting.calls
    finally:
        connection._tx = queue


async def aiosqlite_of(conn: AsyncConnection) -> Any:
    raw = await conn.get_raw_connection()
    return raw.driver_connection


async def test_a_select_is_one_trip(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('a'), ('b'), ('c')"))
        with trips_of(await aiosqlite_of(conn)) as trips:
            result = await conn.execute(text("SELECT id, name FROM t ORDER BY id"))
        assert len(trips) == 1
        assert list(result.keys()) == ["id", "name"]
        assert [tuple(row) for row in result] == [(1, "a"), (2, "b"), (3, "c")]


async def test_writes_answer_their_row_counts_and_last_row_id(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        many = await conn.execute(
            text("INSERT INTO t (name) VALUES (:name)"), [{"name": n} for n in "xyz"]
        )
        assert many.rowcount == 3
        one = await conn.execute(text("INSERT INTO t (name) VALUES ('w')"))
        assert one.lastrowid == 4
        changed = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id > 2"))
        assert changed.rowcount == 2
        returned = await conn.execute(text("DELETE FROM t WHERE id = 1 RETURNING name"))
        assert returned.scalars().all() == ["x"]


async def test_an_error_is_the_dbapi_error_and_the_connection_goes_on(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        with pytest.raises(IntegrityError):
            await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert await conn.scalar(text("SELECT count(*) FROM t")) == 1


COUNT_TO = text(
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :last) "
    "SELECT count(*) FROM n"
)
SLOW = {"last": 3_000_000}
"""Some hundreds of milliseconds of SQLite's work, far past the budget of a read in place."""


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A read-only unit's connection, begun as the store begins one."""
    async with engine.connect() as conn:
        await conn.execution_options(**{READ_ONLY: True})
        await conn.begin()
        yield conn


async def test_a_quick_read_makes_no_trip(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('a'), ('b')"))
    async with reading(engine) as conn:
        with trips_of(await aiosqlite_of(conn)) as trips:
            names = (await conn.execute(text("SELECT name FROM t ORDER BY id"))).scalars()
            assert names.all() == ["a", "b"]
            assert await conn.scalar(COUNT_TO, {"last": 10}) == 10
            await conn.rollback()
        assert trips == []


async def test_a_slow_read_moves_to_the_thread_and_stays_there_while_slow(
    engine: AsyncEngine,
) -> None:
    async with reading(engine) as conn:
        slow = (await conn.get_raw_connection()).driver_connection
        statements = engine.dialect.loaded_dbapi.slow_statements  # type: ignore[attr-defined]
        with trips_of(slow) as trips:
            assert await conn.scalar(COUNT_TO, SLOW) == SLOW["last"]
        assert len(trips) == 1  # given up in place, then run on the thread
        sql = next(iter(statements._statements))
        assert "RECURSIVE" in sql
        # Known to be slow: straight to the thread, even for a quick count.
        with trips_of(slow) as trips:
            assert await conn.scalar(COUNT_TO, {"last": 3}) == 3
        assert len(trips) == 1
        # That ran within the budget, so the next one is tried in place again.
        assert sql not in statements
        with trips_of(slow) as trips:
            assert await conn.scalar(COUNT_TO, {"last": 3}) == 3
        assert trips == []


async def test_a_read_given_up_keeps_its_transaction_and_snapshot(engine: AsyncEngine) -> None:
    slow_count = text(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :last) "
        "SELECT (SELECT count(*) FROM t), count(*) FROM n"
    )
    async with reading(engine) as conn:
        assert await conn.scalar(text("SELECT count(*) FROM t")) == 0  # the snapshot
        async with engine.begin() as writer:
            await writer.execute(text("INSERT INTO t (name) VALUES ('later')"))
        row = (await conn.execute(slow_count, SLOW)).one()
        assert tuple(row) == (0, SLOW["last"])
    async with reading(engine) as conn:
        assert await conn.scalar(text("SELECT count(*) FROM t")) == 1


async def test_a_read_only_unit_still_refuses_to_write(engine: AsyncEngine) -> None:
    async with reading(engine) as conn:
        with pytest.raises(OperationalError, match="readonly"):
            await conn.execute(text("INSERT INTO t (name) VALUES ('no')"))
