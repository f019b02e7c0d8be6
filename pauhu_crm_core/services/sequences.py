"""Sequences: automated e-mail series, the enrolments in them, and what was sent."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ..commands import (
    SEQUENCE_CHANGES_READ_ONLY,
    SEQUENCE_READ_ONLY,
    DeliveryQuery,
    EnrollmentQuery,
    NewEnrollment,
    NewSequence,
    OutboxQuery,
    SequenceChanges,
    SequenceQuery,
)
from ..entities import (
    Delivery,
    EmailSequence,
    Enrollment,
    EnrollmentCounts,
    EnrollmentStatus,
    OutboxMessage,
    Page,
    RunResult,
    SequenceDetail,
)
from ..errors import Conflict, NotFound, ValidationFailed
from ..ids import new_id
from ..ports import UnitOfWork
from ..sequence_rules import checked_steps, schedule, stopped
from ..validation import provided_fields, structure
from .common import fetch, page_window
from .context import WorkspaceContext
from .engine import SequenceEngine

RESCHEDULE_BATCH = 1000


class SequenceService:
    def __init__(self, context: WorkspaceContext) -> None:
        self._context = context

    async def create(
        self, data: Mapping[str, Any] | None = None, /, **fields: Any
    ) -> SequenceDetail:
        body = {**(data or {}), **fields}
        command = structure(body, NewSequence, read_only=SEQUENCE_READ_ONLY)
        now = self._context.now()
        sequence = EmailSequence(
            id=command.id or new_id(now),
            name=command.name,
            description=command.description,
            segment=command.segment,
            status=command.status,
            steps=checked_steps(command.steps),
            created_at=now,
            updated_at=now,
        )
        async with self._context.writing() as uow:
            await uow.sequences.add(sequence)
            await self._context.audit(uow, "create", "sequence", sequence.id, body)
            await uow.commit()
        return SequenceDetail(sequence=sequence, enrollment_counts=EnrollmentCounts())

    async def get(self, id: str) -> SequenceDetail:
        await self._context.provision()
        async with self._context.reading() as uow:
            sequence = await _get(uow, id)
            counts = await uow.sequences.enrollment_counts([id])
        return SequenceDetail(sequence=sequence, enrollment_counts=counts[id])

    async def list(
        self, data: Mapping[str, Any] | None = None, /, **filters: Any
    ) -> Page[SequenceDetail]:
        query = structure({**(data or {}), **filters}, SequenceQuery)
        limit, offset = page_window(query)
        await self._context.provision()
        async with self._context.reading() as uow:
            page = await uow.sequences.find(limit=limit, offset=offset)
            counts = await uow.sequences.enrollment_counts([s.id for s in page.items])
        return Page(
            items=[SequenceDetail(sequence=s, enrollment_counts=counts[s.id]) for s in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )

    async def update(
        self, id: str, data: Mapping[str, Any] | None = None, /, **changes: Any
    ) -> SequenceDetail:
        """Change only the given fields. New steps reschedule the active enrolments: each
        keeps its place (the index of its next step) and its enrolment date."""
        command = structure(
            {**(data or {}), **changes}, SequenceChanges, read_only=SEQUENCE_CHANGES_READ_ONLY
        )
        given = provided_fields(command)
        if "steps" in given:
            given["steps"] = checked_steps(given["steps"])
        now = self._context.now()
        async with self._context.writing() as uow:
            sequence = attrs.evolve(await _get(uow, id), **given, updated_at=now)
            await uow.sequences.replace(sequence)
            await self._context.audit(uow, "update", "sequence", id, given)
            if "steps" in given:
                await _reschedule(uow, sequence, now)
            counts = await uow.sequences.enrollment_counts([id])
            await uow.commit()
        return SequenceDetail(sequence=sequence, enrollment_counts=counts[id])

    async def enroll(
        self, sequence_id: str, data: Mapping[str, Any] | None = None, /, **fields: Any
    ) -> Enrollment:
        """Enrol a contact by hand (``Conflict`` if it is actively enrolled anywhere)."""
        command = structure({**(data or {}), **fields}, NewEnrollment)
        now = self._context.now()
        async with self._context.writing() as uow:
            sequence = await _get(uow, sequence_id)
            contact = await uow.contacts.get(command.contact_id)
            if contact is None:
                raise ValidationFailed.single(
                    "contact_id", "does not name a contact in this workspace"
                )
            if contact.unsubscribed_at is not None:
                raise ValidationFailed.single("contact_id", "has unsubscribed from e-mail")
            if contact.email is None:
                raise ValidationFailed.single("contact_id", "has no e-mail address")
            enrollment = schedule(
                Enrollment(
                    id=new_id(now),
                    sequence_id=sequence.id,
                    contact_id=contact.id,
                    enrolled_at=now,
                    enrolled_on=await self._context.today(uow),
                    next_due_on=None,
                    updated_at=now,
                ),
                sequence,
                now,
            )
            await uow.enrollments.add(enrollment)
            await self._context.audit(uow, "create", "enrollment", enrollment.id, ["contact_id"])
            await uow.commit()
        return enrollment

    async def enrollments(
        self, sequence_id: str, data: Mapping[str, Any] | None = None, /, **filters: Any
    ) -> Page[Enrollment]:
        query = structure({**(data or {}), **filters}, EnrollmentQuery)
        limit, offset = page_window(query)
        async with self._context.reading() as uow:
            await _get(uow, sequence_id)
            return await uow.enrollments.find(
                sequence_id=sequence_id, status=query.status, limit=limit, offset=offset
            )

    async def stop(self, sequence_id: str, contact_id: str) -> Enrollment:
        """Stop the contact's active enrolment in this sequence (``NotFound`` if none)."""
        now = self._context.now()
        async with self._context.writing() as uow:
            await _get(uow, sequence_id)
            page = await uow.enrollments.find(
                sequence_id=sequence_id,
                contact_id=contact_id,
                status=EnrollmentStatus.ACTIVE,
                limit=1,
                offset=0,
            )
            if not page.items:
                raise NotFound("active enrollment of contact", contact_id)
            enrollment = stopped(page.items[0], "stopped by hand", now)
            await uow.enrollments.replace_many([enrollment])
            await self._context.audit(uow, "stop", "enrollment", enrollment.id)
            await uow.commit()
        return enrollment

    async def run(self) -> RunResult:
        """Send every due step of this workspace's active enrolments (see ``engine``)."""
        result = await SequenceEngine(self._context).run()
        async with self._context.writing() as uow:
            await self._context.audit(uow, "run", "sequences")
            await uow.commit()
        return result

    async def outbox(
        self, data: Mapping[str, Any] | None = None, /, **filters: Any
    ) -> Page[OutboxMessage]:
        """What the outbox mailer kept instead of sending, newest first."""
        query = structure({**(data or {}), **filters}, OutboxQuery)
        limit, offset = page_window(query)
        async with self._context.reading() as uow:
            return await uow.outbox.find(limit=limit, offset=offset)

    async def deliveries(
        self, data: Mapping[str, Any] | None = None, /, **filters: Any
    ) -> Page[Delivery]:
        """The record of sequence e-mails; ``status="uncertain"`` lists the sends whose outcome
        was lost (a run died while sending), to check and then retry by hand."""
        query = structure({**(data or {}), **filters}, DeliveryQuery)
        limit, offset = page_window(query)
        async with self._context.reading() as uow:
            return await uow.deliveries.find(status=query.status, limit=limit, offset=offset)

    async def retry_delivery(self, delivery_id: str) -> None:
        """Let the next run send an uncertain or failed step again (by hand, after checking
        that it really did not arrive)."""
        async with self._context.writing() as uow:
            await fetch(uow.deliveries.get, "delivery", delivery_id)
            if not await uow.deliveries.release(delivery_id):
                raise Conflict(f"delivery {delivery_id!r} is neither uncertain nor failed")
            await self._context.audit(uow, "retry", "delivery", delivery_id)
            await uow.commit()


async def _reschedule(uow: UnitOfWork, sequence: EmailSequence, now: datetime) -> None:
    """Recompute ``next_due_on`` of every active enrolment, in batches. Enrolments whose
    next step no longer exists complete, and so leave the active set being paged."""
    offset = 0
    while True:
        page = await uow.enrollments.find(
            sequence_id=sequence.id,
            status=EnrollmentStatus.ACTIVE,
            limit=RESCHEDULE_BATCH,
            offset=offset,
        )
        if not page.items:
            return
        rescheduled = [schedule(e, sequence, now) for e in page.items]
        await uow.enrollments.replace_many(rescheduled)
        offset += sum(1 for e in rescheduled if e.status is EnrollmentStatus.ACTIVE)


async def _get(uow: UnitOfWork, id: str) -> EmailSequence:
    return await fetch(uow.sequences.get, "sequence", id)
