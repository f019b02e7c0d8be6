"""Activities: the timeline of notes, e-mails, calls and meetings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..commands import (
    ACTIVITY_CHANGES_READ_ONLY,
    ACTIVITY_READ_ONLY,
    ActivityChanges,
    ActivityQuery,
    NewActivity,
)
from ..entities import Activity, ActivityType, Page
from ..ids import new_id
from ..ports import ActivityFilter, UnitOfWork
from ..validation import provided_fields, structure
from .common import check_references, fetch, page_window
from .context import WorkspaceContext


class ActivityService:
    def __init__(self, context: WorkspaceContext) -> None:
        self._context = context

    async def create(self, data: Mapping[str, Any] | None = None, /, **fields: Any) -> Activity:
        """Log an activity; a linked contact's ``last_activity_at`` moves forward to it."""
        body = {**(data or {}), **fields}
        command = structure(body, NewActivity, read_only=ACTIVITY_READ_ONLY)
        now = self._context.now()
        activity = Activity(
            id=command.id or new_id(now),
            contact_id=command.contact_id,
            company_id=command.company_id,
            deal_id=command.deal_id,
            type=command.type,
            subject=command.subject,
            body=command.body,
            metadata=command.metadata,
            occurred_at=command.occurred_at or now,
            created_by=command.created_by,
            created_at=now,
            updated_at=now,
        )
        async with self._context.writing() as uow:
            await check_references(
                uow,
                contact_id=activity.contact_id,
                company_id=activity.company_id,
                deal_id=activity.deal_id,
            )
            await uow.activities.add(activity)
            await self._context.audit(uow, "create", "activity", activity.id, body)
            await _touch_contact(uow, activity)
            await uow.commit()
        return activity

    async def get(self, id: str) -> Activity:
        async with self._context.reading() as uow:
            return await _get(uow, id)

    async def list(
        self, data: Mapping[str, Any] | None = None, /, **filters: Any
    ) -> Page[Activity]:
        query = structure({**(data or {}), **filters}, ActivityQuery)
        limit, offset = page_window(query)
        activity_filter = ActivityFilter(
            contact_id=query.contact_id,
            company_id=query.company_id,
            deal_id=query.deal_id,
            type=query.type,
        )
        async with self._context.reading() as uow:
            return await uow.activities.find(activity_filter, limit=limit, offset=offset)

    async def update(
        self, id: str, data: Mapping[str, Any] | None = None, /, **changes: Any
    ) -> Activity:
        """Change only the given fields; moving it onto a contact or later moves that contact's
        ``last_activity_at`` forward (never backward: other activities may still be later)."""
        command = structure(
            {**(data or {}), **changes}, ActivityChanges, read_only=ACTIVITY_CHANGES_READ_ONLY
        )
        given = provided_fields(command)
        changed = list(given)  # the names the caller sent, for the audit log
        now = self._context.now()
        async with self._context.writing() as uow:
            activity = await _get(uow, id)
            await check_references(
                uow,
                contact_id=given.get("contact_id"),
                company_id=given.get("company_id"),
                deal_id=given.get("deal_id"),
            )
            updated = attrs.evolve(activity, **given, updated_at=now)
            await uow.activities.replace(updated)
            await self._context.audit(uow, "update", "activity", id, changed)
            await _touch_contact(uow, updated)
            await uow.commit()
        return updated

    async def delete(self, id: str) -> None:
        async with self._context.writing() as uow:
            await _get(uow, id)
            await uow.activities.delete(id)
            await self._context.audit(uow, "delete", "activity", id)
            await uow.commit()


async def _touch_contact(uow: UnitOfWork, activity: Activity) -> None:
    """Move the contact's ``last_activity_at``; a reply also ends its e-mail sequences."""
    if activity.contact_id is None:
        return
    await uow.contacts.touch_last_activity(activity.contact_id, activity.occurred_at)
    if is_reply(activity):
        await uow.enrollments.stop_active(
            "replied", activity.updated_at, contact_id=activity.contact_id
        )


def is_reply(activity: Activity) -> bool:
    """An inbound e-mail from the contact (``metadata.direction == "inbound"``)."""
    return activity.type is ActivityType.EMAIL and activity.metadata.get("direction") == "inbound"


async def _get(uow: UnitOfWork, id: str) -> Activity:
    return await fetch(uow.activities.get, "activity", id)
