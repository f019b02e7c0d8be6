"""Contacts: rows <-> ``Contact`` and the contact repository."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, update

from pauhu_crm_core.entities import Contact, LifecycleStage, Page, ScoreSegment
from pauhu_crm_core.ports import ContactFilter
from pauhu_crm_core.search import contact_search_text

from ..tables import contacts
from .base import RowValues, TenantTableRepository, equal_to


def contact_from_row(row: RowValues) -> Contact:
    segment = row["score_segment"]
    return Contact(
        id=row["id"],
        email=row["email"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        phone=row["phone"],
        title=row["title"],
        company_id=row["company_id"],
        lifecycle_stage=LifecycleStage(row["lifecycle_stage"]),
        lead_score=row["lead_score"],
        lead_source=row["lead_source"],
        owner_id=row["owner_id"],
        tags=tuple(row["tags"]),
        custom_fields=row["custom_fields"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        last_activity_at=row["last_activity_at"],
        score_segment=None if segment is None else ScoreSegment(segment),
        scored_at=row["scored_at"],
        score_breakdown=row["score_breakdown"],
        unsubscribed_at=row["unsubscribed_at"],
    )


def contact_values(contact: Contact) -> dict[str, Any]:
    """Every column of a contact's row but ``workspace_id``, with its search key."""
    breakdown = contact.score_breakdown
    return {
        "id": contact.id,
        "email": contact.email,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "phone": contact.phone,
        "title": contact.title,
        "company_id": contact.company_id,
        "lifecycle_stage": contact.lifecycle_stage.value,
        "lead_score": contact.lead_score,
        "lead_source": contact.lead_source,
        "owner_id": contact.owner_id,
        "tags": list(contact.tags),
        "custom_fields": dict(contact.custom_fields),
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
        "last_activity_at": contact.last_activity_at,
        "score_segment": None if contact.score_segment is None else contact.score_segment.value,
        "scored_at": contact.scored_at,
        "score_breakdown": None if breakdown is None else dict(breakdown),
        "unsubscribed_at": contact.unsubscribed_at,
        "search_text": contact_search_text(contact),
    }


class SqlContactRepository(TenantTableRepository[Contact]):
    table = contacts
    order_by = (contacts.c.created_at.desc(), contacts.c.id.desc())
    reference_fields = frozenset({"company_id"})
    from_row = contact_from_row
    to_values = contact_values

    async def add(self, contact: Contact) -> None:
        await self._add(contact)

    async def replace(self, contact: Contact) -> None:
        await self._replace(contact)

    async def find(self, filter: ContactFilter, *, limit: int, offset: int) -> Page[Contact]:
        conditions = equal_to(
            contacts,
            {
                "lifecycle_stage": filter.stage,
                "company_id": filter.company_id,
                "owner_id": filter.owner_id,
                "score_segment": filter.segment,
            },
        )
        if filter.search is not None:
            conditions.append(self._search(filter.search))
        return await self._page(conditions, limit=limit, offset=offset)

    async def touch_last_activity_many(self, times: Mapping[str, datetime]) -> None:
        """``touch_last_activity`` for many contacts, as one executemany UPDATE."""
        if not times:
            return
        column = contacts.c.last_activity_at
        statement = (
            update(contacts)
            .where(
                (contacts.c.workspace_id == self._workspace_id)
                & (contacts.c.id == bindparam("contact_id"))
                & or_(column.is_(None), column < bindparam("moment"))
            )
            .values(last_activity_at=bindparam("moment"))
        )
        await self._conn.execute(
            statement, [{"contact_id": id, "moment": at} for id, at in times.items()]
        )

    async def touch_last_activity(self, id: str, at: datetime) -> None:
        """One UPDATE that only ever moves ``last_activity_at`` forward (safe under races)."""
        column = contacts.c.last_activity_at
        await self._conn.execute(
            update(contacts)
            .where(self._is(id) & or_(column.is_(None), column < at))
            .values(last_activity_at=at)
        )
