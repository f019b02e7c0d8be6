"""``SqlStore.ping()``, the health check's probe: it answers when the database does,
and raises ``Unavailable`` — never a driver error — when it cannot be reached."""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import anyio
import pytest
from anyio.abc import SocketAttribute, SocketStream
from sqlalchemy import text

from pauhu_crm_adapters.sql import SqlStore
from pauhu_crm_adapters.sql.engine import create_sql_engine
from pauhu_crm_core import Unavailable

pytestmark = pytest.mark.anyio

UNREACHABLE = "the database cannot be reached"

OpenStore = Callable[..., SqlStore]


@pytest.fixture
async def open_store() -> AsyncIterator[OpenStore]:
    """``open_store(url, ping_timeout=...)``: an unmigrated store on any URL, closed afterwards."""
    opened: list[SqlStore] = []

    def open_(url: str, *, ping_timeout: float = 5.0) -> SqlStore:
        opened.append(SqlStore(create_sql_engine(url), ping_timeout=ping_timeout))
        return opened[-1]

    yield open_
    for store in opened:
        await store.aclose()


async def test_ping_answers_when_the_database_is_reachable(store: SqlStore) -> None:
    await store.ping()


async def test_ping_returns_its_connection_to_the_pool(store: SqlStore) -> None:
    for _ in range(20):  # more than the pool holds, so a leak would block
        await store.ping()
    assert store.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_ping_is_unavailable_when_postgres_refuses_the_connection(
    open_store: OpenStore,
) -> None:
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    store = open_store("postgresql://postgres@127.0.0.1:1/pauhu")
    with pytest.raises(Unavailable, match=UNREACHABLE):
        await store.ping()


async def test_ping_is_unavailable_when_the_server_never_answers(
    open_store: OpenStore,
) -> None:
    async def stay_silent(client: SocketStream) -> None:
        async with client:
            await anyio.sleep_forever()

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(SocketAttribute.local_port)
    store = open_store(f"postgresql://postgres@127.0.0.1:{port}/pauhu", ping_timeout=0.3)
    async with listener, anyio.create_task_group() as group:
        group.start_soon(listener.serve, stay_silent)
        with anyio.fail_after(5):
            with pytest.raises(Unavailable, match=UNREACHABLE):
                await store.ping()
        group.cancel_scope.cancel()


async def test_ping_is_unavailable_when_the_sqlite_directory_does_not_exist(
    open_store: OpenStore, tmp_path: Path
) -> None:
    threads_before = set(threading.enumerate())
    store = open_store(f"sqlite:///{tmp_path / 'missing' / 'crm.db'}")
    with pytest.raises(Unavailable, match=UNREACHABLE):
        await store.ping()
    # After a failed connect aiosqlite's worker thread still reports back to the event
    # loop (omnilib/aiosqlite#241); let it finish while the loop runs, as a server's does.
    for thread in set(threading.enumerate()) - threads_before:
        await anyio.to_thread.run_sync(thread.join, 5)


@pytest.mark.postgres
async def test_ping_reconnects_after_the_server_dropped_the_pooled_connection(
    open_store: OpenStore,
) -> None:
    url = os.environ.get("PAUHU_CRM_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PAUHU_CRM_TEST_POSTGRES_URL is not set")
    store = open_store(url)
    async with store.engine.connect() as conn:
        pid = await conn.scalar(text("SELECT pg_backend_pid()"))
    # The connection is back in the pool; the server now ends it, as a restart would.
    admin = open_store(url)
    async with admin.engine.connect() as conn:
        assert await conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    await store.ping()
