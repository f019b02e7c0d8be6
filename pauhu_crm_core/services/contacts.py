"""Contacts: the people a sales team talks to."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ..commands import (
    CONTACT_CHANGES_READ_ONLY,
    NEW_CONTACT_READ_ONLY,
    ContactChanges,
    ContactQuery,
    NewContact,
)
from ..entities import Contact, ContactDetail, LifecycleStage, Page
from ..ids import new_id
from ..ports import ActivityFilter, ContactFilter, DealFilter, UnitOfWork
from ..scoring import segment_for_score
from ..search import search_term
from ..validation import Unset, provided_fields, structure
from .common import check_references, fetch, page_window
from .context import WorkspaceContext
from .privacy import ContactExport, Erasure, erase_contact, export_contact, is_suppressed

DETAIL_ITEMS = 50
"""How many activities and deals a detail view carries (newest first); lists page the rest."""


def hand_set_score(score: int, now: datetime) -> dict[str, Any]:
    """The fields a score typed in by a person sets, beside ``lead_score`` itself."""
    return {
        "lead_score": score,
        "score_segment": segment_for_score(score),
        "scored_at": now,
        "score_breakdown": {"scorer": "manual", "criteria": []},
    }


class ContactService:
    def __init__(self, context: WorkspaceContext) -> None:
        self._context = context

    async def create(self, data: Mapping[str, Any] | None = None, /, **fields: Any) -> Contact:
        body = {**(data or {}), **fields}
        command = structure(body, NewContact, read_only=NEW_CONTACT_READ_ONLY)
        now = self._context.now()
        contact = Contact(
            id=command.id or new_id(now),
            email=command.email,
            first_name=command.first_name,
            last_name=command.last_name,
            phone=command.phone,
            title=command.title,
            company_id=command.company_id,
            lifecycle_stage=command.lifecycle_stage,
            lead_source=command.lead_source,
            owner_id=command.owner_id,
            tags=command.tags,
            custom_fields=command.custom_fields,
            created_at=now,
            updated_at=now,
        )
        if not isinstance(command.lead_score, Unset):
            contact = attrs.evolve(contact, **hand_set_score(command.lead_score, now))
        key = await self._context.runtime.suppression_key() if contact.email else ""
        async with self._context.writing() as uow:
            await check_references(uow, company_id=contact.company_id)
            if contact.email and await is_suppressed(uow, key, contact.email):
                # An erased person's address: never e-mailed again (GDPR Art. 21(3)).
                contact = attrs.evolve(contact, unsubscribed_at=now)
            await uow.contacts.add(contact)
            await self._context.audit(uow, "create", "contact", contact.id, body)
            await uow.commit()
        return contact

    async def get(self, id: str) -> Contact:
        async with self._context.reading() as uow:
            return await _get(uow, id)

    async def get_detail(self, id: str) -> ContactDetail:
        """The contact with its company, latest activities and deals."""
        async with self._context.reading() as uow:
            contact = await _get(uow, id)
            company = await uow.companies.get(contact.company_id) if contact.company_id else None
            activities = await uow.activities.latest(
                ActivityFilter(contact_id=id), limit=DETAIL_ITEMS
            )
            deals = await uow.deals.latest(DealFilter(contact_id=id), limit=DETAIL_ITEMS)
        return ContactDetail(
            contact=contact, company=company, activities=tuple(activities), deals=tuple(deals)
        )

    async def list(self, data: Mapping[str, Any] | None = None, /, **filters: Any) -> Page[Contact]:
        query = structure({**(data or {}), **filters}, ContactQuery)
        limit, offset = page_window(query)
        contact_filter = ContactFilter(
            stage=query.stage,
            search=search_term(query.q),
            company_id=query.company_id,
            owner_id=query.owner_id,
            segment=query.segment,
        )
        async with self._context.reading() as uow:
            return await uow.contacts.find(contact_filter, limit=limit, offset=offset)

    async def update(
        self, id: str, data: Mapping[str, Any] | None = None, /, **changes: Any
    ) -> Contact:
        """Change only the given fields; ``None`` clears a nullable one."""
        command = structure(
            {**(data or {}), **changes}, ContactChanges, read_only=CONTACT_CHANGES_READ_ONLY
        )
        given = provided_fields(command)
        changed = list(given)  # the names the caller sent, for the audit log
        now = self._context.now()
        if "lead_score" in given:
            given.update(hand_set_score(given["lead_score"], now))
        key = await self._context.runtime.suppression_key() if given.get("email") else ""
        async with self._context.writing() as uow:
            contact = await _get(uow, id)
            await check_references(uow, company_id=given.get("company_id"))
            updated = attrs.evolve(contact, **given, updated_at=now)
            new_email = given.get("email")
            if (
                new_email
                and not updated.unsubscribed_at
                and await is_suppressed(uow, key, new_email)
            ):
                updated = attrs.evolve(updated, unsubscribed_at=now)
            await uow.contacts.replace(updated)
            await self._context.audit(uow, "update", "contact", id, changed)
            if updated.lifecycle_stage is LifecycleStage.CUSTOMER:
                # A customer gets no more prospecting e-mail.
                await uow.enrollments.stop_active("customer", now, contact_id=id)
            await uow.commit()
        return updated

    async def unsubscribe(self, id: str) -> Contact | None:
        """Record that the contact wants no more e-mail and stop its enrolments. Answers the
        contact, or ``None`` when it does not exist (an old link of a deleted contact)."""
        now = self._context.now()
        async with self._context.writing() as uow:
            contact = await uow.contacts.get(id)
            if contact is None:
                return None
            if contact.unsubscribed_at is None:
                contact = attrs.evolve(contact, unsubscribed_at=now, updated_at=now)
                await uow.contacts.replace(contact)
            await uow.enrollments.stop_active("unsubscribed", now, contact_id=id)
            await self._context.audit(uow, "unsubscribe", "contact", id, ["unsubscribed_at"])
            await uow.commit()
        return contact

    async def delete(self, id: str) -> None:
        """Delete the contact and its enrolments; its deals, activities and tasks stay,
        unlinked."""
        async with self._context.writing() as uow:
            await _get(uow, id)
            await uow.enrollments.delete_for_contact(id)
            await uow.deals.clear_reference("contact_id", id)
            await uow.activities.clear_reference("contact_id", id)
            await uow.tasks.clear_reference("contact_id", id)
            await uow.contacts.delete(id)
            await self._context.audit(uow, "delete", "contact", id)
            await uow.commit()

    async def export(self, id: str) -> ContactExport:
        """Everything held about the person (GDPR access and portability)."""
        return await export_contact(self._context, id)

    async def erase(self, id: str) -> Erasure:
        """Delete the person and everything linked to them; never e-mail the address again."""
        return await erase_contact(self._context, id)


async def _get(uow: UnitOfWork, id: str) -> Contact:
    return await fetch(uow.contacts.get, "contact", id)
