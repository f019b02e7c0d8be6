"""SQLAlchemy's aiosqlite adapter: one trip to the connection's thread per statement, and
none for a quick read.

aiosqlite runs each SQLite connection on a thread of its own, and every call on it
is a trip there and back: about 80 µs on this project's 2-core benchmark machine when
it is idle, far more under load, when the event loop, the connection threads and the
load itself take turns at the GIL and the cores. SQLAlchemy's adapter makes four trips
for each statement (create a cursor, execute, fetch every row, close the cursor), so a
company's detail view (a ``BEGIN``, four ``SELECT``s, a rollback) made about twenty,
while SQLite itself answered all four queries in 0.4 ms (``bench/analysis.md`` §6).

* ``OneTripCursor`` does the four on the thread in one call: a fresh ``sqlite3`` cursor
  executes the statement, hands over its rows, row count, last row id and description,
  and is closed there. Closing it at once also finalises the statement, which is what
  lets a cancelled statement's connection close (``sqlite_cancellation``).
* In a unit of work that only reads (``mark_reading``, from the engine's ``BEGIN``), a
  statement first runs right where it is called, on the event loop, for at most
  ``READ_BUDGET_SECONDS``: SQLite's progress handler gives it up past that, and a
  ``SELECT`` given up has changed nothing (its transaction and snapshot stay), so it
  then runs on the connection's thread as any other. Most reads take a fraction of a
  millisecond, less than the trip would; the loop is never held longer than the
  budget. A statement given up goes straight to the thread from then on, until it runs
  there within the budget again (``SlowStatements``). The read's rollback is done in
  place too. Writes always run on the thread, where they may wait for SQLite's lock.

Everything else (transactions, server-side cursors, closing and stopping) is
SQLAlchemy's own. ``create_sql_engine`` passes ``OneTripDbapi`` as the engine's DBAPI
module (``create_engine(module=…)``). SQLAlchemy opens file databases with
``check_same_thread=False``, so the event loop may use a connection its thread opened;
the adapter's per-connection lock keeps the two from ever using it at once.

This reaches into aiosqlite's ``Connection._execute`` and ``_connection``, like
``sqlite_cancellation`` does into its internals: ``pyproject.toml`` keeps aiosqlite
below 0.23.
"""

from __future__ import annotations

import collections
import sqlite3
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT

READ_BUDGET_SECONDS = 0.002
"""The longest a read may hold the event loop before it moves to the connection's thread."""

PROGRESS_STEPS = 1_000
"""SQLite virtual-machine steps between two looks at the clock while a read runs in place."""


class Outcome(NamedTuple):
    """What SQLAlchemy will ask of a statement once it has run, and how long it took."""

    description: Any
    rows: list[Any]
    rowcount: int
    lastrowid: int | None
    seconds: float


def _run(native: sqlite3.Connection, many: bool, operation: str, parameters: Any) -> Outcome:
    """Execute, fetch every row and close the cursor, all on the calling thread."""
    started = time.perf_counter()
    cursor = native.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        rows = cursor.fetchall() if cursor.description else []
        return Outcome(
            cursor.description,
            rows,
            cursor.rowcount,
            cursor.lastrowid,
            time.perf_counter() - started,
        )
    finally:
        cursor.close()


def _run_briefly(native: sqlite3.Connection, operation: str, parameters: Any) -> Outcome | None:
    """``_run`` here and now, or ``None`` when SQLite gave it up past the budget."""
    deadline = time.perf_counter() + READ_BUDGET_SECONDS

    def past_the_budget() -> bool:
        return time.perf_counter() > deadline

    native.set_progress_handler(past_the_budget, PROGRESS_STEPS)
    try:
        return _run(native, False, operation, parameters)
    except sqlite3.OperationalError as exc:
        if str(exc) == "interrupted" and time.perf_counter() > deadline:
            return None
        raise
    finally:
        native.set_progress_handler(None, 0)


class SlowStatements:
    """The SQL of reads that ran past the budget, newest last, at most ``size`` of them."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._statements: collections.OrderedDict[str, None] = collections.OrderedDict()

    def __contains__(self, operation: object) -> bool:
        return operation in self._statements

    def add(self, operation: str) -> None:
        self._statements[operation] = None
        self._statements.move_to_end(operation)
        if len(self._statements) > self._size:
            self._statements.popitem(last=False)

    def discard(self, operation: str) -> None:
        self._statements.pop(operation, None)


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose every statement is one call: in place, for a quick read, or
    on the connection's thread."""

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
        pass  # the sqlite3 cursor was closed where it ran

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._one_trip(False, operation, parameters)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        await self._one_trip(True, operation, seq_of_parameters)

    async def _one_trip(self, many: bool, operation: Any, parameters: Any) -> None:
        adapted: Any = self._adapt_connection
        connection: Any = self._connection
        slow = adapted.dbapi.slow_statements
        reading = adapted.reading and not many
        async with adapted._execute_mutex:
            outcome = None
            if reading and operation not in slow:
                outcome = _run_briefly(connection._conn, operation, parameters)
                if outcome is None:
                    slow.add(operation)
            if outcome is None:
                outcome = await connection._execute(
                    _run, connection._conn, many, operation, parameters
                )
                if reading and outcome.seconds <= READ_BUDGET_SECONDS:
                    slow.discard(operation)
        self._description = outcome.description
        self._rowcount = outcome.rowcount
        self._lastrowid = outcome.lastrowid
        self._rows = collections.deque(outcome.rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("reading",)
    _cursor_cls = OneTripCursor
    dbapi: OneTripDbapi

    def __init__(self, dbapi: OneTripDbapi, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.reading = False
        """The current transaction only reads (see ``mark_reading``)."""

    def rollback(self) -> None:
        native = self._connection._connection
        if self.reading and native is not None:
            native.rollback()  # a read's end: nothing to write, no lock to wait for
        else:
            super().rollback()


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI module, answering ``OneTripConnection``s."""

    def __init__(self, aiosqlite: Any, sqlite: Any) -> None:
        super().__init__(aiosqlite, sqlite)
        self.slow_statements = SlowStatements()

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def one_trip_dbapi() -> OneTripDbapi:
    import aiosqlite

    return OneTripDbapi(aiosqlite, sqlite3)


def mark_reading(dbapi_connection: object, reading: bool) -> None:
    """Tell the connection whether its next transaction only reads (SQLite's ``query_only``
    holds it to that): its statements may then run in place."""
    if isinstance(dbapi_connection, OneTripConnection):
        dbapi_connection.reading = reading
