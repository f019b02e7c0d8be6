"""Ports of the e-mail sequences: their repositories and the mailer."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Protocol, runtime_checkable

from attrs import frozen

from ..entities import (
    Company,
    Contact,
    Delivery,
    DeliveryStatus,
    EmailSequence,
    Enrollment,
    EnrollmentCounts,
    EnrollmentStatus,
    OutboxMessage,
    Page,
)
from ..errors import ProviderError
from ..mail import EmailMessage, SendReceipt


@frozen(kw_only=True)
class DueEnrollment:
    """An active enrolment whose next step is due, with what sending it needs (one query)."""

    enrollment: Enrollment
    sequence: EmailSequence
    contact: Contact
    company: Company | None


@frozen(kw_only=True)
class DeliveryClaim:
    """A request to own the sending of one (enrolment, step)."""

    id: str
    enrollment_id: str
    step_index: int
    contact_id: str
    sequence_id: str
    message_id: str


@runtime_checkable
class SequenceRepository(Protocol):
    async def add(self, sequence: EmailSequence) -> None: ...
    async def add_missing(self, sequences: Sequence[EmailSequence]) -> None:
        """Insert those whose id is not used yet; leave the others as they are."""
        ...

    async def get(self, id: str) -> EmailSequence | None: ...
    async def replace(self, sequence: EmailSequence) -> None: ...
    async def find(self, *, limit: int, offset: int) -> Page[EmailSequence]: ...
    async def enrollment_counts(
        self, sequence_ids: Collection[str]
    ) -> Mapping[str, EnrollmentCounts]:
        """Enrolments per status for each sequence, in one grouped query."""
        ...


@runtime_checkable
class EnrollmentRepository(Protocol):
    async def add(self, enrollment: Enrollment) -> None:
        """Raises ``Conflict`` when the contact is already actively enrolled in any sequence."""
        ...

    async def get(self, id: str) -> Enrollment | None: ...
    async def find(
        self,
        *,
        sequence_id: str | None = None,
        contact_id: str | None = None,
        status: EnrollmentStatus | None = None,
        limit: int,
        offset: int,
    ) -> Page[Enrollment]: ...
    async def replace_many(self, enrollments: Sequence[Enrollment]) -> None:
        """Write every field of these existing enrolments (one batch)."""
        ...

    async def due(
        self, today: date, *, after_id: str | None, limit: int
    ) -> Sequence[DueEnrollment]:
        """Active enrolments in active sequences with ``next_due_on <= today``, by id after
        ``after_id`` (keyset pages, so a batch that is skipped is not read again)."""
        ...

    async def stop_active(
        self,
        reason: str,
        at: datetime,
        *,
        contact_id: str | None = None,
        sequence_id: str | None = None,
    ) -> int:
        """Stop the active enrolments of a contact and/or in a sequence; answer how many."""
        ...

    async def delete_for_contact(self, contact_id: str) -> None: ...
    async def add_many_if_free(self, enrollments: Sequence[Enrollment]) -> Sequence[Enrollment]:
        """Insert each enrolment unless its contact is already actively enrolled (then skip
        it, also when another transaction enrolled it meanwhile); answer those inserted."""
        ...


@runtime_checkable
class DeliveryRepository(Protocol):
    async def claim(
        self, claims: Sequence[DeliveryClaim], *, run_id: str, at: datetime, max_attempts: int
    ) -> Sequence[Delivery]:
        """Own the sending of these (enrolment, step)s for ``run_id``; answer the ones owned.

        A pair never seen is claimed by inserting its row (a unique key on
        (enrolment, step) lets exactly one of several racing runs win). A pair
        whose earlier attempt ``failed`` is claimed again while it has had fewer
        than ``max_attempts``. Anything else — sent, uncertain, claimed by a
        live run — is not claimed.
        """
        ...

    async def record(self, deliveries: Sequence[Delivery]) -> None:
        """Write the outcomes (status, error, sent_at) of claimed deliveries."""
        ...

    async def mark_uncertain(self, claimed_before: datetime) -> int:
        """Claims older than ``claimed_before`` whose outcome never came (a run died while
        sending) become ``uncertain``; answer how many."""
        ...

    async def get(self, id: str) -> Delivery | None: ...
    async def find(
        self,
        *,
        status: DeliveryStatus | None = None,
        contact_id: str | None = None,
        limit: int,
        offset: int,
    ) -> Page[Delivery]: ...
    async def delete_for_contact(self, contact_id: str) -> int:
        """Delete the delivery records of a contact (erasure); answer how many."""
        ...

    async def release(self, id: str) -> bool:
        """Forget an ``uncertain`` or ``failed`` delivery so a later run may send it again
        (the by-hand retry); answer whether there was one to release."""
        ...


@runtime_checkable
class OutboxRepository(Protocol):
    async def add(self, message: OutboxMessage) -> None: ...
    async def add_many(self, messages: Sequence[OutboxMessage]) -> None:
        """Keep these messages (one batch)."""
        ...

    async def find(self, *, to: str | None = None, limit: int, offset: int) -> Page[OutboxMessage]:
        """Kept messages, newest first; ``to`` keeps those sent to that address."""
        ...

    async def delete_to(self, address: str) -> int:
        """Delete the kept messages sent to an address (erasure); answer how many."""
        ...


@runtime_checkable
class Mailer(Protocol):
    """Sends one message; raises ``ProviderError`` when the provider refuses or fails."""

    async def send(self, message: EmailMessage) -> SendReceipt: ...
    async def aclose(self) -> None: ...


@runtime_checkable
class BatchMailer(Mailer, Protocol):
    """A ``Mailer`` that can also take a whole batch in one call (one transaction, one
    request to a provider's batch API…). The engine uses ``send_many`` when a mailer has
    it, and ``send``, a few at a time, when it has not.

    The answer has one entry per message, in the order given: its receipt, or the
    ``ProviderError`` that refused or failed it, so one bad message never fails the
    others. Raising ``ProviderError`` means none of the batch went out. Any other
    exception means the outcome of every message is unknown (the engine then leaves
    their claims to become ``uncertain``).
    """

    async def send_many(
        self, messages: Sequence[EmailMessage]
    ) -> Sequence[SendReceipt | ProviderError]: ...
