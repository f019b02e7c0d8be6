"""Tasks: follow-ups with a due date, an assignee and a status."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ..commands import TASK_CHANGES_READ_ONLY, TASK_READ_ONLY, NewTask, TaskChanges, TaskQuery
from ..entities import Page, Task, TaskStatus
from ..ids import new_id
from ..ports import TaskFilter, UnitOfWork
from ..validation import provided_fields, structure
from .common import check_references, fetch, page_window
from .context import WorkspaceContext


def settle_completion(task: Task, now: datetime) -> Task:
    """A done task records when it was completed; any other status clears that."""
    if task.status is TaskStatus.DONE:
        return task if task.completed_at else attrs.evolve(task, completed_at=now)
    return attrs.evolve(task, completed_at=None)


class TaskService:
    def __init__(self, context: WorkspaceContext) -> None:
        self._context = context

    async def create(self, data: Mapping[str, Any] | None = None, /, **fields: Any) -> Task:
        body = {**(data or {}), **fields}
        command = structure(body, NewTask, read_only=TASK_READ_ONLY)
        now = self._context.now()
        task = Task(
            id=command.id or new_id(now),
            title=command.title,
            description=command.description,
            contact_id=command.contact_id,
            company_id=command.company_id,
            deal_id=command.deal_id,
            due_date=command.due_date,
            priority=command.priority,
            status=command.status,
            assigned_to=command.assigned_to,
            created_at=now,
            updated_at=now,
        )
        task = settle_completion(task, now)
        async with self._context.writing() as uow:
            await check_references(
                uow, contact_id=task.contact_id, company_id=task.company_id, deal_id=task.deal_id
            )
            await uow.tasks.add(task)
            await self._context.audit(uow, "create", "task", task.id, body)
            await uow.commit()
        return task

    async def get(self, id: str) -> Task:
        async with self._context.reading() as uow:
            return await _get(uow, id)

    async def list(self, data: Mapping[str, Any] | None = None, /, **filters: Any) -> Page[Task]:
        """Tasks by due date (undated last); ``overdue=True`` keeps open tasks due before today."""
        query = structure({**(data or {}), **filters}, TaskQuery)
        limit, offset = page_window(query)
        async with self._context.reading() as uow:
            task_filter = TaskFilter(
                status=query.status,
                assigned_to=query.assigned_to,
                due_before=await self._context.today(uow) if query.overdue else None,
                contact_id=query.contact_id,
                company_id=query.company_id,
                deal_id=query.deal_id,
            )
            return await uow.tasks.find(task_filter, limit=limit, offset=offset)

    async def update(
        self, id: str, data: Mapping[str, Any] | None = None, /, **changes: Any
    ) -> Task:
        """Change only the given fields; ``status: done`` records ``completed_at``."""
        command = structure(
            {**(data or {}), **changes}, TaskChanges, read_only=TASK_CHANGES_READ_ONLY
        )
        given = provided_fields(command)
        changed = list(given)  # the names the caller sent, for the audit log
        now = self._context.now()
        async with self._context.writing() as uow:
            task = await _get(uow, id)
            await check_references(
                uow,
                contact_id=given.get("contact_id"),
                company_id=given.get("company_id"),
                deal_id=given.get("deal_id"),
            )
            updated = settle_completion(attrs.evolve(task, **given, updated_at=now), now)
            await uow.tasks.replace(updated)
            await self._context.audit(uow, "update", "task", id, changed)
            await uow.commit()
        return updated

    async def delete(self, id: str) -> None:
        async with self._context.writing() as uow:
            await _get(uow, id)
            await uow.tasks.delete(id)
            await self._context.audit(uow, "delete", "task", id)
            await uow.commit()


async def _get(uow: UnitOfWork, id: str) -> Task:
    return await fetch(uow.tasks.get, "task", id)
