"""SQL storage for Pauhu CRM: SQLAlchemy Core on SQLite (aiosqlite) or PostgreSQL (asyncpg).

``store = await open_sql_store("sqlite:///crm.db")`` migrates the database to
the latest schema and returns a ``SqlStore``; use
``async with store.unit_of_work(workspace_id) as uow: ...`` and finally
``await store.aclose()``.

After a bulk load that bypassed the database's triggers, run
``rebuild_counters(store)`` (the list totals, the pipeline and the dashboard read
counters the triggers keep) and, on SQLite, ``rebuild_search_index(store)``.
"""

from __future__ import annotations

from .counters import rebuild_counters
from .engine import create_sql_engine
from .migrate import upgrade
from .store import (
    SqlCredentialsUnitOfWork,
    SqlJobsUnitOfWork,
    SqlStore,
    SqlUnitOfWork,
    rebuild_search_index,
)

__all__ = [
    "SqlCredentialsUnitOfWork",
    "SqlJobsUnitOfWork",
    "SqlStore",
    "SqlUnitOfWork",
    "open_sql_store",
    "rebuild_counters",
    "rebuild_search_index",
]


async def open_sql_store(url: str, *, migrate: bool = True) -> SqlStore:
    """A store on ``url`` (``sqlite:///path`` or ``postgresql://...``), migrated unless told not."""
    engine = create_sql_engine(url)
    if migrate:
        try:
            await upgrade(engine)
        except BaseException:
            await engine.dispose()
            raise
    return SqlStore(engine)
