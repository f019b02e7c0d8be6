"""The async engine, with the SQLite settings every connection needs.

SQLite gets, on every new connection: WAL (readers do not block the writer),
a busy timeout (a second writer waits instead of failing), enforced foreign
keys (off by default in SQLite!) and ``synchronous=NORMAL`` (safe with WAL);
and it can be closed after a cancelled statement (``sqlite_cancellation``).
Each statement is one trip to the connection's thread, and a quick read none
(``sqlite_driver``).

pysqlite's own transaction handling is switched off (SQLAlchemy's documented
recipe) so that we emit ``BEGIN`` ourselves: ``BEGIN IMMEDIATE`` for units
of work that write, which takes the write lock up front and so queues on the
busy timeout. A deferred ``BEGIN`` that later tries to write fails at once
with "database is locked" when another writer got there first, because SQLite
cannot wait for a lock it would need to upgrade a read transaction.

PostgreSQL connections keep the default ``plan_cache_mode``. Forced custom
plans were tried against the generic-plan trap of ``bench/analysis.md`` §7
(a per-row UPDATE prepared while ``deliveries`` was nearly empty scanned the
whole table for every row), and measured worse both ways: on every
connection they cost a scoring run's 10k-row executemany 15-20 %, and for
the engine's set-based writes alone they halved its sends/s (a custom plan
hash-joins the array with all of the workspace's rows; the generic one looks
each element up by primary key). The trap itself is gone: those writes are
one ``UPDATE … FROM unnest(…)`` per batch.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .sqlite_cancellation import interrupt_invalidated, stop_once
from .sqlite_driver import mark_reading, one_trip_dbapi
from .urls import async_url

READ_ONLY = "pauhu_read_only"
"""Execution option marking a connection whose transaction only reads."""

SQLITE_BUSY_TIMEOUT_MS = 5000

_QUERY_ONLY = "pauhu_query_only"
"""The connection record's note of the ``query_only`` pragma last set on it."""

_SQLITE_PRAGMAS = (
    # First, so that everything after it waits for locks instead of failing.
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)


def create_sql_engine(url: str, **engine_options: Any) -> AsyncEngine:
    """An async engine for a plain ``sqlite:///`` or ``postgresql://`` URL.

    JSON columns are read with orjson: a list page decodes three of them per contact,
    and the standard library's parser was a tenth of an HTTP list request on SQLite.
    What the store writes is strict JSON (``normalise.json_object`` refuses NaN and
    numbers past 2**53), which both parse alike."""
    engine_options.setdefault("json_deserializer", orjson.loads)
    driver_url = async_url(url)
    if driver_url.startswith("sqlite"):
        engine_options.setdefault("module", one_trip_dbapi())
    engine = create_async_engine(driver_url, **engine_options)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
        event.listen(engine.sync_engine, "begin", _begin_sqlite_transaction)
        event.listen(engine.sync_engine, "invalidate", interrupt_invalidated)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    stop_once(dbapi_connection)
    # Stop the driver from emitting its own (deferred) BEGIN; see the module docstring.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
        _switch_to_wal(cursor)
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """Put the database file in WAL mode (it stays so; later connections find it done).

    The switch itself needs an exclusive lock, and SQLite answers "database is
    locked" at once, without the busy timeout, when that would deadlock with a
    writer — which happens when several processes open a brand-new database
    together. So the first switch is retried for up to the busy timeout.
    """
    cursor.execute("PRAGMA journal_mode")
    if str(cursor.fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(0.01)


def _begin_sqlite_transaction(conn: Connection) -> None:
    read_only = bool(conn.get_execution_options().get(READ_ONLY, False))
    # query_only makes a read-only unit refuse writes, as PostgreSQL's READ ONLY does.
    # Set only when it changes: each statement is a round trip to the connection's
    # thread, and most units of work are reads following reads. (The pool keeps the
    # connection's record, and with it this note, for as long as the connection lives.)
    info = conn.connection.info
    mark_reading(conn.connection.dbapi_connection, read_only)
    if info.get(_QUERY_ONLY) is not read_only:
        conn.exec_driver_sql(f"PRAGMA query_only={int(read_only)}")
        info[_QUERY_ONLY] = read_only
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
