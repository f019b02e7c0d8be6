"""SQLAlchemy's aiosqlite adapter, with one trip to the connection's thread per statement.

aiosqlite runs each SQLite connection on a thread of its own, and every call on it
is a trip there and back: about 80 µs on this project's 2-core benchmark machine,
mostly waking the thread and then the event loop. SQLAlchemy's adapter makes four
trips for each statement (create a cursor, execute, fetch every row, close the
cursor), so a company's detail view (a ``BEGIN``, four ``SELECT``s, a rollback) made
about twenty, while SQLite itself answered all four queries in 0.4 ms
(``bench/analysis.md`` §6).

``OneTripCursor`` does the four on the thread in one call: a fresh ``sqlite3`` cursor
executes the statement, hands over its rows, row count, last row id and description,
and is closed there. Closing it at once also finalises the statement, which is what
lets a cancelled statement's connection close (``sqlite_cancellation``). Everything
else (transactions, server-side cursors, closing and stopping) is SQLAlchemy's own.
``create_sql_engine`` passes ``OneTripDbapi`` as the engine's DBAPI module
(``create_engine(module=…)``).

This reaches into aiosqlite's ``Connection._execute``, like ``sqlite_cancellation``
does into its internals: ``pyproject.toml`` keeps aiosqlite below 0.23.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT

_Outcome = tuple[Any, list[Any], int, int | None]
"""A statement's description, rows, row count and last row id."""


def _run(native: sqlite3.Connection, many: bool, operation: str, parameters: Any) -> _Outcome:
    """Execute on the connection's thread and keep everything SQLAlchemy will ask for."""
    cursor = native.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose every statement is one call on the connection's thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        # No aiosqlite cursor to make (one trip saved): each statement makes its own.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass  # every row is fetched with the statement

    async def _async_soft_close(self) -> None:
        pass  # the sqlite3 cursor was closed on the thread

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._one_trip(False, operation, parameters)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        await self._one_trip(True, operation, seq_of_parameters)

    async def _one_trip(self, many: bool, operation: Any, parameters: Any) -> None:
        connection = self._connection
        async with self._adapt_connection._execute_mutex:
            outcome: _Outcome = await connection._execute(
                _run, connection._conn, many, operation, parameters
            )
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI module, answering ``OneTripConnection``s."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def one_trip_dbapi() -> OneTripDbapi:
    import aiosqlite

    return OneTripDbapi(aiosqlite, sqlite3)
