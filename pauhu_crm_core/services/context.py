"""What every service of one workspace shares: the store, the clock, and the workspace id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from attrs import frozen

from ..entities import DEFAULT_TIMEZONE, Workspace
from ..ports import Clock, Store, UnitOfWork


@frozen
class WorkspaceContext:
    store: Store
    clock: Clock
    workspace_id: str
    known_workspaces: set[str]
    """Workspaces this process has already seen stored (shared by one ``CRM``)."""

    def now(self) -> datetime:
        return self.clock.now().astimezone(UTC)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[UnitOfWork]:
        async with self.store.unit_of_work(self.workspace_id, read_only=True) as uow:
            yield uow

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work in which the workspace row is known to exist (created on first use)."""
        async with self.store.unit_of_work(self.workspace_id) as uow:
            if self.workspace_id not in self.known_workspaces:
                await uow.workspace.ensure(self.new_workspace())
            yield uow
        self.known_workspaces.add(self.workspace_id)

    def new_workspace(self) -> Workspace:
        now = self.now()
        return Workspace(
            id=self.workspace_id, name=self.workspace_id, created_at=now, updated_at=now
        )

    async def today(self, uow: UnitOfWork) -> date:
        """Today's date in the workspace's time zone."""
        workspace = await uow.workspace.get()
        zone = workspace.timezone if workspace else DEFAULT_TIMEZONE
        return self.now().astimezone(ZoneInfo(zone)).date()
