"""Tasks: rows <-> ``Task`` and the task repository."""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal_column

from pauhu_crm_core.entities import Page, Task, TaskPriority, TaskStatus
from pauhu_crm_core.ports import TaskFilter

from ..tables import tasks
from .base import RowValues, TenantTableRepository, equal_to


def task_from_row(row: RowValues) -> Task:
    return Task(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        contact_id=row["contact_id"],
        company_id=row["company_id"],
        deal_id=row["deal_id"],
        due_date=row["due_date"],
        priority=TaskPriority(row["priority"]),
        status=TaskStatus(row["status"]),
        assigned_to=row["assigned_to"],
        completed_at=row["completed_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def task_values(task: Task) -> dict[str, Any]:
    """Every column of a task's row but ``workspace_id``."""
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "contact_id": task.contact_id,
        "company_id": task.company_id,
        "deal_id": task.deal_id,
        "due_date": task.due_date,
        "priority": task.priority.value,
        "status": task.status.value,
        "assigned_to": task.assigned_to,
        "completed_at": task.completed_at,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
    }


class SqlTaskRepository(TenantTableRepository[Task]):
    table = tasks
    # Undated tasks last on both backends (SQLite would otherwise put NULLs first).
    order_by = (
        tasks.c.due_date.asc().nulls_last(),
        tasks.c.created_at.asc(),
        tasks.c.id.asc(),
    )
    # The overdue list holds no undated task, so its order needs no NULLS LAST: it is then
    # ``ix_tasks_open_due`` read forwards (SQLite cannot read an index as NULLS LAST).
    dated_order_by = (tasks.c.due_date.asc(), tasks.c.created_at.asc(), tasks.c.id.asc())
    reference_fields = frozenset({"contact_id", "company_id", "deal_id"})
    counted_facets = frozenset({"status"})
    from_row = task_from_row
    to_values = task_values

    async def add(self, task: Task) -> None:
        await self._add(task)

    async def replace(self, task: Task) -> None:
        await self._replace(task)

    async def find(self, filter: TaskFilter, *, limit: int, offset: int) -> Page[Task]:
        filters = {
            "status": filter.status,
            "assigned_to": filter.assigned_to,
            "contact_id": filter.contact_id,
            "company_id": filter.company_id,
            "deal_id": filter.deal_id,
        }
        conditions = equal_to(tasks, filters)
        if filter.due_before is None:
            counter = self._counter(filters)
            return await self._page(conditions, limit=limit, offset=offset, counter=counter)
        # Overdue: the partial index ``ix_tasks_open_due`` holds exactly the open tasks, so
        # the page and its count read only those due before the day. Its predicate is
        # written as a literal, as the index's is, so that both planners can match it.
        conditions.append(tasks.c.due_date < filter.due_before)
        conditions.append(tasks.c.status != literal_column(f"'{TaskStatus.DONE.value}'"))
        return await self._page(
            conditions, limit=limit, offset=offset, order_by=self.dated_order_by
        )

    async def delete_for_contact(self, contact_id: str) -> int:
        """Delete every task of a contact (erasure), in one statement (``ix_tasks_contact``);
        answer how many."""
        return await self._delete_where(tasks.c.contact_id == contact_id)
