"""SQLite connections that a cancelled statement leaves closed, and unlocked.

A statement cancelled while it runs (a request timeout, a scheduler shutting
down, a failed half of a pipeline) makes SQLAlchemy invalidate its connection
and close it: gracefully, shielded, and by force if the closing is cancelled
too, which anyio's cancel scopes always do. With aiosqlite 0.22 this goes
wrong three ways:

* the forced close stops the connection's thread, and the graceful one then asks
  the stopped thread to stop again and waits for an answer that never comes:
  ``asyncio.run`` waits for that task, so neither ``pauhu-crm serve`` nor
  ``scheduler`` could exit;
* the graceful close forgets the SQLite connection before the thread's stop gets
  to close it, so it may never be closed;
* even closed, a connection whose cancelled statement is still referenced stays
  open until that statement is finalized (``sqlite3_close_v2``), and with it
  its transaction and write lock: every later writer failed with "database is
  locked".

(Upstream: sqlalchemy/sqlalchemy#13039, omnilib/aiosqlite#369 and their kin.)
The fixes, per connection and through SQLAlchemy's pool events:

* ``interrupt_invalidated`` (the ``invalidate`` event): interrupt the running
  statement (``sqlite3.Connection.interrupt`` may be called from any thread) and
  roll its transaction back on the connection's thread, which releases the lock
  at once, before any close.
* ``stop_once`` (at connect): the first ``stop()`` closes the SQLite connection it
  finds at that moment, on the connection's thread, and every later ``stop()``
  answers the first one's future, which the thread resolves before it ends.

They use aiosqlite's internals, so ``pyproject.toml`` keeps aiosqlite below 0.23;
``tests/integration/test_sqlite_cancellation.py`` checks the whole story.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable
from typing import Any


def _run_on_its_thread(connection: Any, call: Callable[[], object]) -> None:
    """Queue ``call`` on the aiosqlite connection's thread, after what is queued before
    it; nothing waits for it, and an error (a connection closed meanwhile) is ignored."""

    def quietly() -> None:
        with contextlib.suppress(sqlite3.Error):
            call()

    connection._tx.put_nowait((None, quietly))


def _aiosqlite_of(dbapi_connection: Any) -> Any | None:
    """The aiosqlite connection behind SQLAlchemy's adapter, if it is the aiosqlite
    these fixes are for."""
    connection = getattr(dbapi_connection, "driver_connection", None)
    if all(hasattr(connection, name) for name in ("stop", "_tx", "_connection")):
        return connection
    return None


def interrupt_invalidated(dbapi_connection: Any, _record: Any, _exception: Any) -> None:
    """The pool's ``invalidate`` event: interrupt what the connection runs and roll it back."""
    connection = _aiosqlite_of(dbapi_connection)
    native = None if connection is None else connection._connection
    if native is not None:
        native.interrupt()
        _run_on_its_thread(connection, native.rollback)


def stop_once(dbapi_connection: Any) -> None:
    """Make the aiosqlite connection behind ``dbapi_connection`` close and stop once."""
    connection = _aiosqlite_of(dbapi_connection)
    if connection is None:
        return
    stop = connection.stop
    first: list[asyncio.Future[Any] | None] = []

    def stop_the_first_time() -> asyncio.Future[Any] | None:
        if not first:
            native = connection._connection
            if native is not None:
                _run_on_its_thread(connection, native.close)  # before the stop, in order
            first.append(stop())
        return first[0]

    connection.stop = stop_the_first_time
