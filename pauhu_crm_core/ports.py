"""The ports: what the core needs from the outside world, as narrow protocols.

Adapters implement these without inheriting from them; mypy and an
``isinstance`` test against the ``runtime_checkable`` protocols check that
they conform. A unit of work is opened for one workspace, and every
repository reached through it sees only that workspace's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from typing import Literal, Protocol, runtime_checkable

from attrs import frozen

from .entities import (
    Activity,
    ActivityType,
    ApiKey,
    Company,
    Contact,
    Deal,
    DealStage,
    Delivery,
    DeliveryStatus,
    EmailSequence,
    Enrollment,
    EnrollmentCounts,
    EnrollmentStatus,
    IcpTier,
    LifecycleStage,
    OutboxMessage,
    Page,
    PipelineStage,
    ScoreSegment,
    Task,
    TaskStatus,
    Workspace,
)
from .mail import EmailMessage, SendReceipt

ReferenceField = Literal["contact_id", "company_id", "deal_id"]


@runtime_checkable
class Clock(Protocol):
    """Where the core gets the time from; ``now()`` is timezone-aware UTC."""

    def now(self) -> datetime: ...


# -- filters: what a list may ask for. Search terms arrive already normalised
# (see ``pauhu_crm_core.search``), so every store matches them the same way.


@frozen(kw_only=True)
class ContactFilter:
    stage: LifecycleStage | None = None
    search: str | None = None
    company_id: str | None = None
    owner_id: str | None = None
    segment: ScoreSegment | None = None


@frozen(kw_only=True)
class CompanyFilter:
    target: bool | None = None
    search: str | None = None
    icp_tier: IcpTier | None = None
    industry: str | None = None
    country: str | None = None


@frozen(kw_only=True)
class DealFilter:
    stage: DealStage | None = None
    company_id: str | None = None
    contact_id: str | None = None
    owner_id: str | None = None


@frozen(kw_only=True)
class ActivityFilter:
    contact_id: str | None = None
    company_id: str | None = None
    deal_id: str | None = None
    type: ActivityType | None = None


@frozen(kw_only=True)
class TaskFilter:
    status: TaskStatus | None = None
    assigned_to: str | None = None
    due_before: date | None = None
    """Only tasks due strictly before this date that are not done (the overdue view)."""
    contact_id: str | None = None
    company_id: str | None = None
    deal_id: str | None = None


# -- repositories. ``add`` raises ``Conflict`` for a used id or unique value;
# ``replace`` writes every field of an existing record; ``delete`` answers
# whether a record was there.


@runtime_checkable
class WorkspaceRepository(Protocol):
    async def get(self) -> Workspace | None: ...
    async def ensure(self, workspace: Workspace) -> Workspace:
        """Insert the workspace unless it exists; return the stored one."""
        ...

    async def replace(self, workspace: Workspace) -> None: ...


@runtime_checkable
class ContactRepository(Protocol):
    async def add(self, contact: Contact) -> None: ...
    async def get(self, id: str) -> Contact | None: ...
    async def exists(self, id: str) -> bool: ...
    async def replace(self, contact: Contact) -> None: ...
    async def delete(self, id: str) -> bool: ...
    async def find(self, filter: ContactFilter, *, limit: int, offset: int) -> Page[Contact]: ...
    async def touch_last_activity(self, id: str, at: datetime) -> None:
        """Set ``last_activity_at`` to ``at`` unless it is already later (atomically)."""
        ...

    async def touch_last_activity_many(self, times: Mapping[str, datetime]) -> None:
        """``touch_last_activity`` for many contacts (id → time) in one batch."""
        ...

    async def clear_reference(self, field: Literal["company_id"], target_id: str) -> None: ...


@runtime_checkable
class CompanyRepository(Protocol):
    async def add(self, company: Company) -> None: ...
    async def get(self, id: str) -> Company | None: ...
    async def exists(self, id: str) -> bool: ...
    async def replace(self, company: Company) -> None: ...
    async def delete(self, id: str) -> bool: ...
    async def find(self, filter: CompanyFilter, *, limit: int, offset: int) -> Page[Company]: ...


@runtime_checkable
class DealRepository(Protocol):
    async def add(self, deal: Deal) -> None: ...
    async def get(self, id: str) -> Deal | None: ...
    async def exists(self, id: str) -> bool: ...
    async def replace(self, deal: Deal) -> None: ...
    async def delete(self, id: str) -> bool: ...
    async def find(self, filter: DealFilter, *, limit: int, offset: int) -> Page[Deal]: ...
    async def pipeline(self) -> Sequence[PipelineStage]:
        """Count, total and weighted total per stage over all deals, in stage order."""
        ...

    async def clear_reference(
        self, field: Literal["company_id", "contact_id"], target_id: str
    ) -> None: ...


@runtime_checkable
class ActivityRepository(Protocol):
    async def add(self, activity: Activity) -> None: ...
    async def add_many(self, activities: Sequence[Activity]) -> None:
        """Insert many activities in one batch."""
        ...

    async def get(self, id: str) -> Activity | None: ...
    async def replace(self, activity: Activity) -> None: ...
    async def delete(self, id: str) -> bool: ...
    async def find(self, filter: ActivityFilter, *, limit: int, offset: int) -> Page[Activity]: ...
    async def clear_reference(self, field: ReferenceField, target_id: str) -> None: ...


@runtime_checkable
class TaskRepository(Protocol):
    async def add(self, task: Task) -> None: ...
    async def get(self, id: str) -> Task | None: ...
    async def replace(self, task: Task) -> None: ...
    async def delete(self, id: str) -> bool: ...
    async def find(self, filter: TaskFilter, *, limit: int, offset: int) -> Page[Task]: ...
    async def clear_reference(self, field: ReferenceField, target_id: str) -> None: ...


# -- sequences


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
        self, *, status: DeliveryStatus | None = None, limit: int, offset: int
    ) -> Page[Delivery]: ...
    async def release(self, id: str) -> bool:
        """Forget an ``uncertain`` or ``failed`` delivery so a later run may send it again
        (the by-hand retry); answer whether there was one to release."""
        ...


@runtime_checkable
class OutboxRepository(Protocol):
    async def add(self, message: OutboxMessage) -> None: ...
    async def find(self, *, limit: int, offset: int) -> Page[OutboxMessage]: ...


@runtime_checkable
class Mailer(Protocol):
    """Sends one message; raises ``ProviderError`` when the provider refuses or fails."""

    async def send(self, message: EmailMessage) -> SendReceipt: ...
    async def aclose(self) -> None: ...


@runtime_checkable
class UnitOfWork(Protocol):
    """One transaction in one workspace. Leaving it without ``commit`` rolls back."""

    @property
    def workspace_id(self) -> str: ...
    @property
    def workspace(self) -> WorkspaceRepository: ...
    @property
    def contacts(self) -> ContactRepository: ...
    @property
    def companies(self) -> CompanyRepository: ...
    @property
    def deals(self) -> DealRepository: ...
    @property
    def activities(self) -> ActivityRepository: ...
    @property
    def tasks(self) -> TaskRepository: ...
    @property
    def sequences(self) -> SequenceRepository: ...
    @property
    def enrollments(self) -> EnrollmentRepository: ...
    @property
    def deliveries(self) -> DeliveryRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
    async def commit(self) -> None: ...


# -- credentials. They are looked up before the caller's workspace is known, so
# they live outside the tenant units of work, behind their own narrow one.


@frozen(kw_only=True)
class StoredApiKey:
    """An API key as stored: the record and the SHA-256 hex digest of its secret."""

    key: ApiKey
    secret_hash: str


@runtime_checkable
class ApiKeyRepository(Protocol):
    """The API keys of every workspace; a secret's hash is only ever read by ``get``."""

    async def add(self, key: ApiKey, secret_hash: str) -> None: ...
    async def get(self, id: str) -> StoredApiKey | None:
        """The key and its secret hash, in one query."""
        ...

    async def list(self, workspace_id: str | None = None) -> Sequence[ApiKey]:
        """The keys of one workspace, or of all when ``None``; newest first."""
        ...

    async def revoke(self, id: str, at: datetime) -> ApiKey | None:
        """Set ``revoked_at`` to ``at`` unless already revoked; the stored key, or ``None``."""
        ...


@runtime_checkable
class CredentialsUnitOfWork(Protocol):
    """One transaction over the credentials of all workspaces. Leaving it without
    ``commit`` rolls back."""

    @property
    def api_keys(self) -> ApiKeyRepository: ...
    async def ensure_workspace(self, workspace: Workspace) -> Workspace:
        """Insert the workspace unless it exists; return the stored one."""
        ...

    async def commit(self) -> None: ...


@runtime_checkable
class Store(Protocol):
    """Durable storage. ``unit_of_work`` opens a transaction scoped to one workspace;
    ``credentials`` one over the API keys of all workspaces."""

    def unit_of_work(
        self, workspace_id: str, *, read_only: bool = False
    ) -> AbstractAsyncContextManager[UnitOfWork]: ...

    def credentials(
        self, *, read_only: bool = False
    ) -> AbstractAsyncContextManager[CredentialsUnitOfWork]: ...

    async def ping(self) -> None:
        """Return once the database answers; raises ``Unavailable`` when it cannot be reached."""
        ...

    async def app_secret(self, name: str, generate: Callable[[], str]) -> str:
        """The secret stored as ``name``, stored from ``generate()`` on first use (atomically:
        every process sharing the database gets the same one)."""
        ...

    async def workspace_ids(self) -> Sequence[str]:
        """Every workspace's id, in id order (for jobs that cover all workspaces)."""
        ...

    async def aclose(self) -> None: ...
