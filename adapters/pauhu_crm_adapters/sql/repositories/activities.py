"""Activities: rows <-> ``Activity`` and the activity repository."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, insert
from sqlalchemy.exc import IntegrityError

from pauhu_crm_core.entities import Activity, ActivityType, Page
from pauhu_crm_core.ports import ActivityFilter

from ..errors import translate_write_error
from ..tables import activities
from .base import RowValues, TenantTableRepository, equal_to


def activity_from_row(row: RowValues) -> Activity:
    return Activity(
        id=row["id"],
        contact_id=row["contact_id"],
        company_id=row["company_id"],
        deal_id=row["deal_id"],
        type=ActivityType(row["type"]),
        subject=row["subject"],
        body=row["body"],
        metadata=row["metadata"],
        occurred_at=row["occurred_at"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def activity_values(activity: Activity) -> dict[str, Any]:
    """Every column of an activity's row but ``workspace_id``."""
    return {
        "id": activity.id,
        "contact_id": activity.contact_id,
        "company_id": activity.company_id,
        "deal_id": activity.deal_id,
        "type": activity.type.value,
        "subject": activity.subject,
        "body": activity.body,
        "metadata": dict(activity.metadata),
        "occurred_at": activity.occurred_at,
        "created_by": activity.created_by,
        "created_at": activity.created_at,
        "updated_at": activity.updated_at,
    }


class SqlActivityRepository(TenantTableRepository[Activity]):
    table = activities
    order_by = (activities.c.occurred_at.desc(), activities.c.id.desc())
    reference_fields = frozenset({"contact_id", "company_id", "deal_id"})
    from_row = activity_from_row
    to_values = activity_values

    async def add(self, activity: Activity) -> None:
        await self._add(activity)

    async def add_many(self, batch: Sequence[Activity]) -> None:
        """One executemany INSERT (the sequence engine logs a whole batch of sends at once)."""
        if not batch:
            return
        rows = [{"workspace_id": self._workspace_id, **activity_values(a)} for a in batch]
        try:
            await self._conn.execute(insert(activities), rows)
        except IntegrityError as exc:
            # Which row broke a rule is unknown in a batch, so name a value only for one.
            raise translate_write_error(exc, activities, rows[0] if len(rows) == 1 else {}) from exc

    async def replace(self, activity: Activity) -> None:
        await self._replace(activity)

    async def find(self, filter: ActivityFilter, *, limit: int, offset: int) -> Page[Activity]:
        return await self._page(self._conditions(filter), limit=limit, offset=offset)

    async def latest(self, filter: ActivityFilter, *, limit: int) -> Sequence[Activity]:
        return await self._first(self._conditions(filter), limit)

    def _conditions(self, filter: ActivityFilter) -> list[ColumnElement[bool]]:
        return equal_to(
            activities,
            {
                "contact_id": filter.contact_id,
                "company_id": filter.company_id,
                "deal_id": filter.deal_id,
                "type": filter.type,
            },
        )

    async def delete_for_contact(self, contact_id: str) -> int:
        """Delete every activity of a contact (erasure), in one statement
        (``ix_activities_contact``); answer how many."""
        return await self._delete_where(activities.c.contact_id == contact_id)
