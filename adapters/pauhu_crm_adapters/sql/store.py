"""``SqlStore``, the ``Store`` port over SQLAlchemy Core, and its unit of work.

A unit of work is one pooled connection and one transaction for one
workspace. Its repositories are built with that workspace id, so every
statement they issue is filtered by it. Nothing is committed unless
``commit()`` is called; leaving the block (normally or by an exception)
rolls back.

After a ``Conflict``/``ValidationFailed`` raised by a write, abandon the unit
of work: PostgreSQL has aborted the transaction (SQLite merely undid the one
statement), and the two backends must not be relied on to differ. The one
exception is a lost job claim (``claim`` answering ``False``): its insert ran
inside a savepoint, so the scheduler's unit of work carries on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import anyio
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pauhu_crm_core.entities import Workspace
from pauhu_crm_core.errors import Unavailable

from .engine import READ_ONLY
from .repositories import (
    SqlActivityRepository,
    SqlApiKeyRepository,
    SqlAuditRepository,
    SqlCompanyRepository,
    SqlContactRepository,
    SqlDealRepository,
    SqlDeliveryRepository,
    SqlEnrollmentRepository,
    SqlJobRunRepository,
    SqlOutboxRepository,
    SqlScoreRepository,
    SqlSequenceRepository,
    SqlSuppressionRepository,
    SqlTaskRepository,
    SqlWorkspaceRepository,
)
from .repositories.app_secrets import stored_app_secret
from .repositories.transfer import SqlTransferRepository
from .repositories.workspaces import workspace_from_row
from .search import rebuild_fts_tables
from .tables import workspaces


class SqlUnitOfWork:
    """One transaction in one workspace (the ``UnitOfWork`` port)."""

    def __init__(self, conn: AsyncConnection, workspace_id: str) -> None:
        self._conn = conn
        self._workspace_id = workspace_id
        self._workspace = SqlWorkspaceRepository(conn, workspace_id)
        self._contacts = SqlContactRepository(conn, workspace_id)
        self._companies = SqlCompanyRepository(conn, workspace_id)
        self._deals = SqlDealRepository(conn, workspace_id)
        self._activities = SqlActivityRepository(conn, workspace_id)
        self._tasks = SqlTaskRepository(conn, workspace_id)
        self._sequences = SqlSequenceRepository(conn, workspace_id)
        self._enrollments = SqlEnrollmentRepository(conn, workspace_id)
        self._deliveries = SqlDeliveryRepository(conn, workspace_id)
        self._outbox = SqlOutboxRepository(conn, workspace_id)
        self._scores = SqlScoreRepository(conn, workspace_id)
        self._suppressions = SqlSuppressionRepository(conn, workspace_id)
        self._audit = SqlAuditRepository(conn, workspace_id)
        self._transfer = SqlTransferRepository(conn, workspace_id)

    @property
    def workspace_id(self) -> str:
        return self._workspace_id

    @property
    def workspace(self) -> SqlWorkspaceRepository:
        return self._workspace

    @property
    def contacts(self) -> SqlContactRepository:
        return self._contacts

    @property
    def companies(self) -> SqlCompanyRepository:
        return self._companies

    @property
    def deals(self) -> SqlDealRepository:
        return self._deals

    @property
    def activities(self) -> SqlActivityRepository:
        return self._activities

    @property
    def tasks(self) -> SqlTaskRepository:
        return self._tasks

    @property
    def sequences(self) -> SqlSequenceRepository:
        return self._sequences

    @property
    def enrollments(self) -> SqlEnrollmentRepository:
        return self._enrollments

    @property
    def deliveries(self) -> SqlDeliveryRepository:
        return self._deliveries

    @property
    def outbox(self) -> SqlOutboxRepository:
        return self._outbox

    @property
    def scores(self) -> SqlScoreRepository:
        return self._scores

    @property
    def suppressions(self) -> SqlSuppressionRepository:
        return self._suppressions

    @property
    def audit(self) -> SqlAuditRepository:
        return self._audit

    @property
    def transfer(self) -> SqlTransferRepository:
        return self._transfer

    async def commit(self) -> None:
        """Make the work durable. Later statements start a new transaction (rolled back
        at the end of the block unless committed again)."""
        await self._conn.commit()


class SqlCredentialsUnitOfWork:
    """One transaction over the API keys of every workspace (the ``CredentialsUnitOfWork`` port)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._api_keys = SqlApiKeyRepository(conn)

    @property
    def api_keys(self) -> SqlApiKeyRepository:
        return self._api_keys

    async def ensure_workspace(self, workspace: Workspace) -> Workspace:
        return await SqlWorkspaceRepository(self._conn, workspace.id).ensure(workspace)

    async def commit(self) -> None:
        await self._conn.commit()


class SqlJobsUnitOfWork:
    """One transaction over the job runs and workspaces of every workspace (the
    ``JobsUnitOfWork`` port). A lost claim does not spoil it: see ``SqlJobRunRepository``."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._job_runs = SqlJobRunRepository(conn)

    @property
    def job_runs(self) -> SqlJobRunRepository:
        return self._job_runs

    async def workspaces(self) -> Sequence[Workspace]:
        """Every workspace, in id order."""
        result = await self._conn.execute(select(workspaces).order_by(workspaces.c.id))
        return tuple(workspace_from_row(row) for row in result.mappings())

    async def commit(self) -> None:
        await self._conn.commit()


PING_TIMEOUT_SECONDS = 2.0


class SqlStore:
    """The ``Store`` port on SQLite or PostgreSQL; open it with ``open_sql_store``.

    ``ping_timeout`` bounds ``ping()``, connecting included, in seconds.
    """

    def __init__(self, engine: AsyncEngine, *, ping_timeout: float = PING_TIMEOUT_SECONDS) -> None:
        self.engine = engine
        self.ping_timeout = ping_timeout

    @asynccontextmanager
    async def unit_of_work(
        self, workspace_id: str, *, read_only: bool = False
    ) -> AsyncIterator[SqlUnitOfWork]:
        """A transaction scoped to ``workspace_id``.

        ``read_only`` starts a deferred transaction on SQLite (no write lock) and a
        ``READ ONLY`` one on PostgreSQL; write units take SQLite's write lock up front.
        """
        async with self._transaction(read_only=read_only) as conn:
            yield SqlUnitOfWork(conn, workspace_id)

    @asynccontextmanager
    async def credentials(
        self, *, read_only: bool = False
    ) -> AsyncIterator[SqlCredentialsUnitOfWork]:
        """A transaction over API keys, begun like ``unit_of_work``'s."""
        async with self._transaction(read_only=read_only) as conn:
            yield SqlCredentialsUnitOfWork(conn)

    @asynccontextmanager
    async def jobs(self, *, read_only: bool = False) -> AsyncIterator[SqlJobsUnitOfWork]:
        """A transaction over the job runs of all workspaces, begun like ``unit_of_work``'s
        (so on SQLite a writing one takes the write lock up front)."""
        async with self._transaction(read_only=read_only) as conn:
            yield SqlJobsUnitOfWork(conn)

    async def app_secret(self, name: str, generate: Callable[[], str]) -> str:
        """The secret ``name``, stored from ``generate()`` on first use, in a transaction
        of its own; every process on the database gets the same one."""
        async with self._transaction(read_only=False) as conn:
            secret = await stored_app_secret(conn, name, generate, datetime.now(UTC))
            await conn.commit()
        return secret

    async def workspace_ids(self) -> Sequence[str]:
        """Every workspace's id, in id order."""
        async with self._transaction(read_only=True) as conn:
            result = await conn.scalars(select(workspaces.c.id).order_by(workspaces.c.id))
            return list(result)

    async def ping(self) -> None:
        """Run ``SELECT 1`` on a connection of its own; ``Unavailable`` if the database
        does not answer within ``ping_timeout`` seconds or refuses the connection."""
        try:
            with anyio.fail_after(self.ping_timeout):
                await self._select_one()
        # DBAPIError covers the drivers' OperationalError and InterfaceError; a refused
        # or unroutable connection can also surface as a bare OSError from asyncpg.
        except (DBAPIError, OSError, TimeoutError) as exc:
            raise Unavailable("the database cannot be reached") from exc

    async def _select_one(self) -> None:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            # A pooled connection the server has since dropped (a restart): SQLAlchemy has
            # now discarded it and its siblings, so one more try gets a new connection.
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

    @asynccontextmanager
    async def _transaction(self, *, read_only: bool) -> AsyncIterator[AsyncConnection]:
        conn = await self.engine.connect()
        try:
            await conn.execution_options(**{READ_ONLY: read_only, "postgresql_readonly": read_only})
            await conn.begin()
            yield conn
        finally:
            # Closing rolls back whatever was not committed; shielded so that a
            # cancelled task still hands its connection back to the pool.
            with anyio.CancelScope(shield=True):
                await conn.close()

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


async def rebuild_search_index(store: SqlStore) -> None:
    """Rebuild SQLite's FTS5 search tables, e.g. after ``VACUUM`` (no-op on PostgreSQL)."""
    await rebuild_fts_tables(store.engine)
