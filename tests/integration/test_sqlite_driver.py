"""SQLite statements make one trip each to the connection's thread (``sqlite_driver``).

The trips are counted where aiosqlite queues them (its connection's ``_tx`` queue), and
what a statement answers (rows, their columns, row counts, the last row id, errors) is
checked to be what the DBAPI would answer on its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pauhu_crm_adapters.sql.engine import create_sql_engine

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
