"""Data-subject rights for contacts: access and portability (export), erasure, suppression.

* **Export** (GDPR Art. 15/20): everything held about one person — the contact,
  its company, activities, tasks, linked deals, enrolments, the e-mails sent
  to it (delivery records and kept outbox messages) and its score history.
* **Erase** (Art. 17): deletes the contact and every activity, task,
  enrolment, delivery record, kept outbox message and score record of it;
  deals stay, unlinked. The address goes on the suppression list as a keyed
  hash (Art. 21(3)): a contact created later with it is unsubscribed from
  the start, and the sequence engine never sends to it. The audit log keeps
  that an erasure happened, not whom it erased.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from attrs import frozen

from ..entities import (
    Activity,
    Company,
    Contact,
    Deal,
    Delivery,
    Enrollment,
    OutboxMessage,
    Page,
    Task,
)
from ..ports import ActivityFilter, DealFilter, TaskFilter, UnitOfWork
from ..scoring import ScoreRecord
from .common import fetch
from .context import WorkspaceContext, email_hash

T = TypeVar("T")
PAGE = 100


@frozen(kw_only=True)
class ContactExport:
    contact: Contact
    company: Company | None
    activities: Sequence[Activity]
    tasks: Sequence[Task]
    deals: Sequence[Deal]
    enrollments: Sequence[Enrollment]
    deliveries: Sequence[Delivery]
    emails: Sequence[OutboxMessage]
    score_history: Sequence[ScoreRecord]


@frozen(kw_only=True)
class Erasure:
    """What an erasure removed (counts only: the removed data is gone)."""

    activities: int
    tasks: int
    enrollments: int
    deliveries: int
    emails: int
    suppressed: bool


async def _all(page: Callable[[int], Awaitable[Page[T]]]) -> list[T]:
    """Every item of a paged query (bounded pages, so memory grows only with the person)."""
    items: list[T] = []
    while True:
        batch = await page(len(items))
        items.extend(batch.items)
        if len(items) >= batch.total or not batch.items:
            return items


async def export_contact(context: WorkspaceContext, id: str) -> ContactExport:
    async with context.reading() as uow:
        contact = await fetch(uow.contacts.get, "contact", id)
        company = await uow.companies.get(contact.company_id) if contact.company_id else None
        return ContactExport(
            contact=contact,
            company=company,
            activities=await _all(
                lambda at: uow.activities.find(ActivityFilter(contact_id=id), limit=PAGE, offset=at)
            ),
            tasks=await _all(
                lambda at: uow.tasks.find(TaskFilter(contact_id=id), limit=PAGE, offset=at)
            ),
            deals=await _all(
                lambda at: uow.deals.find(DealFilter(contact_id=id), limit=PAGE, offset=at)
            ),
            enrollments=await _all(
                lambda at: uow.enrollments.find(contact_id=id, limit=PAGE, offset=at)
            ),
            deliveries=await _all(
                lambda at: uow.deliveries.find(contact_id=id, limit=PAGE, offset=at)
            ),
            emails=await _emails_to(uow, contact.email),
            score_history=await _all(
                lambda at: uow.scores.find(contact_id=id, limit=PAGE, offset=at)
            ),
        )


async def _emails_to(uow: UnitOfWork, address: str | None) -> list[OutboxMessage]:
    if address is None:
        return []
    return await _all(lambda at: uow.outbox.find(to=address, limit=PAGE, offset=at))


async def erase_contact(context: WorkspaceContext, id: str) -> Erasure:
    key = await context.runtime.suppression_key()
    async with context.writing() as uow:
        contact = await fetch(uow.contacts.get, "contact", id)
        if contact.email is not None:
            await uow.suppressions.add(email_hash(key, contact.email), context.now())
        erasure = Erasure(
            activities=await uow.activities.delete_for_contact(id),
            tasks=await uow.tasks.delete_for_contact(id),
            enrollments=await _count_enrollments(uow, id),
            deliveries=await uow.deliveries.delete_for_contact(id),
            emails=await uow.outbox.delete_to(contact.email) if contact.email else 0,
            suppressed=contact.email is not None,
        )
        await uow.enrollments.delete_for_contact(id)
        await uow.deals.clear_reference("contact_id", id)
        await uow.contacts.delete(id)  # its score history goes with it
        # The audit log says an erasure happened — not whom it erased.
        await context.audit(uow, "erase", "contact")
        await uow.commit()
    return erasure


async def _count_enrollments(uow: UnitOfWork, contact_id: str) -> int:
    return (await uow.enrollments.find(contact_id=contact_id, limit=1, offset=0)).total


async def is_suppressed(uow: UnitOfWork, key: str, email: str) -> bool:
    """Whether an address was erased before (so it must never be e-mailed)."""
    return bool(await uow.suppressions.contains_any([email_hash(key, email)]))
