"""Workspace settings: name, time zone (for "today") and auto-enrolment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..commands import WORKSPACE_READ_ONLY, WorkspaceChanges
from ..entities import Workspace
from ..validation import provided_fields, structure
from .context import WorkspaceContext


class WorkspaceSettingsService:
    def __init__(self, context: WorkspaceContext) -> None:
        self._context = context

    async def get(self) -> Workspace:
        """The workspace's settings; a workspace is created on first use."""
        async with self._context.writing() as uow:
            workspace = await uow.workspace.ensure(self._context.new_workspace())
            await uow.commit()
        return workspace

    async def update(self, data: Mapping[str, Any] | None = None, /, **changes: Any) -> Workspace:
        command = structure(
            {**(data or {}), **changes}, WorkspaceChanges, read_only=WORKSPACE_READ_ONLY
        )
        async with self._context.writing() as uow:
            workspace = await uow.workspace.ensure(self._context.new_workspace())
            changed = provided_fields(command)
            updated = attrs.evolve(workspace, **changed, updated_at=self._context.now())
            await uow.workspace.replace(updated)
            await self._context.audit(uow, "update", "workspace", workspace.id, changed)
            await uow.commit()
        return updated
