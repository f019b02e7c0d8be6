"""The unit of work's own workspace: rows <-> ``Workspace``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pauhu_crm_core.entities import Workspace
from pauhu_crm_core.errors import NotFound

from ..tables import workspaces


def workspace_from_row(row: RowMapping) -> Workspace:
    return Workspace(
        id=row["id"],
        name=row["name"],
        timezone=row["timezone"],
        auto_enroll=bool(row["auto_enroll"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def workspace_values(workspace: Workspace) -> dict[str, Any]:
    return {
        "id": workspace.id,
        "name": workspace.name,
        "timezone": workspace.timezone,
        "auto_enroll": workspace.auto_enroll,
        "created_at": workspace.created_at,
        "updated_at": workspace.updated_at,
    }


class SqlWorkspaceRepository:
    """Reads and writes only the workspace the unit of work was opened for."""

    def __init__(self, conn: AsyncConnection, workspace_id: str) -> None:
        self._conn = conn
        self._workspace_id = workspace_id

    async def get(self) -> Workspace | None:
        result = await self._conn.execute(
            select(workspaces).where(workspaces.c.id == self._workspace_id)
        )
        row = result.mappings().one_or_none()
        return None if row is None else workspace_from_row(row)

    async def ensure(self, workspace: Workspace) -> Workspace:
        """Insert unless present (a race with another first request is not an error)."""
        self._check_is_own(workspace)
        insert = postgresql.insert if self._conn.dialect.name == "postgresql" else sqlite.insert
        await self._conn.execute(
            insert(workspaces)
            .values(workspace_values(workspace))
            .on_conflict_do_nothing(index_elements=[workspaces.c.id])
        )
        stored = await self.get()
        assert stored is not None, "the workspace was just inserted or already there"
        return stored

    async def replace(self, workspace: Workspace) -> None:
        self._check_is_own(workspace)
        values = workspace_values(workspace)
        del values["id"]
        result = await self._conn.execute(
            update(workspaces).where(workspaces.c.id == self._workspace_id).values(values)
        )
        if result.rowcount == 0:
            raise NotFound("workspace", self._workspace_id)

    def _check_is_own(self, workspace: Workspace) -> None:
        if workspace.id != self._workspace_id:
            raise ValueError(
                f"workspace {workspace.id!r} given to a unit of work of {self._workspace_id!r}"
            )
