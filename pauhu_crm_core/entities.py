"""The records of the CRM as plain attrs classes, and the enums they use.

Entities are immutable snapshots: a service builds a changed copy with
``attrs.evolve`` and hands it to the store. Money is integer cents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Generic, TypeVar

from attrs import field, frozen

T = TypeVar("T")

JsonObject = Mapping[str, Any]


class LifecycleStage(StrEnum):
    SUBSCRIBER = "subscriber"
    LEAD = "lead"
    MQL = "mql"
    SQL = "sql"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"


class ScoreSegment(StrEnum):
    HOT = "hot"
    WARM = "warm"
    COLD = "cold"


class IcpTier(StrEnum):
    TIER_1 = "tier-1"
    TIER_2 = "tier-2"
    TIER_3 = "tier-3"


class DealStage(StrEnum):
    LEAD = "lead"
    QUALIFIED = "qualified"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    CLOSED_WON = "closed_won"
    CLOSED_LOST = "closed_lost"

    @property
    def is_closed(self) -> bool:
        return self in (DealStage.CLOSED_WON, DealStage.CLOSED_LOST)


class ActivityType(StrEnum):
    NOTE = "note"
    EMAIL = "email"
    CALL = "call"
    MEETING = "meeting"
    TASK = "task"


class TaskStatus(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class TaskPriority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class SequenceStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"


class EnrollmentStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    STOPPED = "stopped"


class DeliveryStatus(StrEnum):
    """Where one (enrolment, step) e-mail stands. ``claimed`` is written and committed
    before the mailer is called, so a crash leaves a trace instead of a resend."""

    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    UNCERTAIN = "uncertain"


class JobRunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


ENUMS: tuple[type[StrEnum], ...] = (
    LifecycleStage,
    ScoreSegment,
    IcpTier,
    DealStage,
    ActivityType,
    TaskStatus,
    TaskPriority,
    SequenceStatus,
    EnrollmentStatus,
    DeliveryStatus,
    JobRunStatus,
)

DEFAULT_TIMEZONE = "Europe/Helsinki"


@frozen(kw_only=True)
class Workspace:
    id: str
    name: str
    timezone: str = DEFAULT_TIMEZONE
    auto_enroll: bool = True
    created_at: datetime
    updated_at: datetime


@frozen(kw_only=True)
class ApiKey:
    """A credential for one workspace. Its secret is never part of the record: the
    store keeps only a hash of it, and the token is shown once, when it is created."""

    id: str
    workspace_id: str
    name: str | None = None
    created_at: datetime
    revoked_at: datetime | None = None


@frozen(kw_only=True)
class Contact:
    id: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    title: str | None = None
    company_id: str | None = None
    lifecycle_stage: LifecycleStage = LifecycleStage.SUBSCRIBER
    lead_score: int = 0
    lead_source: str | None = None
    owner_id: str | None = None
    tags: tuple[str, ...] = ()
    custom_fields: JsonObject = field(factory=dict)
    created_at: datetime
    updated_at: datetime
    last_activity_at: datetime | None = None
    score_segment: ScoreSegment | None = None
    scored_at: datetime | None = None
    score_breakdown: JsonObject | None = None
    unsubscribed_at: datetime | None = None

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@frozen(kw_only=True)
class Company:
    id: str
    name: str = "Unknown Company"
    domain: str | None = None
    industry: str | None = None
    size: str | None = None
    country: str | None = None
    city: str | None = None
    website: str | None = None
    linkedin_url: str | None = None
    description: str | None = None
    icp_tier: IcpTier | None = None
    is_target_account: bool = False
    owner_id: str | None = None
    tags: tuple[str, ...] = ()
    custom_fields: JsonObject = field(factory=dict)
    created_at: datetime
    updated_at: datetime


@frozen(kw_only=True)
class Deal:
    id: str
    name: str = "New Deal"
    company_id: str | None = None
    contact_id: str | None = None
    stage: DealStage = DealStage.LEAD
    amount_cents: int | None = None
    currency: str = "EUR"
    probability: int | None = None
    expected_close_date: date | None = None
    actual_close_date: date | None = None
    lost_reason: str | None = None
    owner_id: str | None = None
    created_at: datetime
    updated_at: datetime

    @property
    def amount(self) -> Decimal | None:
        """The amount in currency units, exact (``Decimal``), from the stored cents."""
        return None if self.amount_cents is None else Decimal(self.amount_cents).scaleb(-2)


@frozen(kw_only=True)
class Activity:
    id: str
    contact_id: str | None = None
    company_id: str | None = None
    deal_id: str | None = None
    type: ActivityType = ActivityType.NOTE
    subject: str | None = None
    body: str | None = None
    metadata: JsonObject = field(factory=dict)
    occurred_at: datetime
    created_by: str | None = None
    created_at: datetime
    updated_at: datetime


@frozen(kw_only=True)
class Task:
    id: str
    title: str
    description: str | None = None
    contact_id: str | None = None
    company_id: str | None = None
    deal_id: str | None = None
    due_date: date | None = None
    priority: TaskPriority = TaskPriority.MEDIUM
    status: TaskStatus = TaskStatus.TODO
    assigned_to: str | None = None
    completed_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


@frozen(kw_only=True)
class SequenceStep:
    subject: str
    body: str
    delay_days: int
    """Days after enrolment (never fewer than the step before)."""


@frozen(kw_only=True)
class EmailSequence:
    id: str
    name: str
    description: str | None = None
    segment: ScoreSegment | None = None
    """The score segment whose contacts are enrolled automatically."""
    status: SequenceStatus = SequenceStatus.ACTIVE
    steps: tuple[SequenceStep, ...]
    created_at: datetime
    updated_at: datetime


@frozen(kw_only=True)
class EnrollmentCounts:
    active: int = 0
    completed: int = 0
    stopped: int = 0


@frozen(kw_only=True)
class SequenceDetail:
    """A sequence with how many enrolments it has in each status."""

    sequence: EmailSequence
    enrollment_counts: EnrollmentCounts


@frozen(kw_only=True)
class Enrollment:
    """A contact going through a sequence; ``next_step`` is the index of the step to send."""

    id: str
    sequence_id: str
    contact_id: str
    status: EnrollmentStatus = EnrollmentStatus.ACTIVE
    enrolled_at: datetime
    enrolled_on: date
    """The workspace-local date of enrolment; step delays count from it."""
    next_step: int = 0
    next_due_on: date | None
    """When ``next_step`` is due (local date); ``None`` once the enrolment has ended."""
    stopped_reason: str | None = None
    ended_at: datetime | None = None
    updated_at: datetime


@frozen(kw_only=True)
class Delivery:
    """The record of one sequence e-mail: claimed before sending, then its outcome."""

    id: str
    enrollment_id: str
    step_index: int
    contact_id: str
    sequence_id: str
    message_id: str
    status: DeliveryStatus
    attempts: int = 1
    run_id: str
    error: str | None = None
    claimed_at: datetime
    sent_at: datetime | None = None


@frozen(kw_only=True)
class OutboxMessage:
    """An e-mail the outbox mailer kept instead of sending."""

    id: str
    message_id: str
    to: str
    sender: str
    subject: str
    text: str
    html: str
    headers: JsonObject = field(factory=dict)
    created_at: datetime


@frozen(kw_only=True)
class RunResult:
    """What one run of the sequence engine did in one workspace."""

    processed: int = 0
    sent: int = 0
    skipped: int = 0
    errors: int = 0
    uncertain: int = 0


@frozen(kw_only=True)
class JobRun:
    """One run of a scheduled job in one workspace, for one scheduled time."""

    id: str
    job: str
    workspace_id: str
    scheduled_for: datetime
    """The cron time this run stands for (UTC); one run per (job, workspace, time)."""
    status: JobRunStatus = JobRunStatus.RUNNING
    runner: str
    """Which process ran it (host and pid)."""
    started_at: datetime
    finished_at: datetime | None = None
    result: JsonObject | None = None
    error: str | None = None


@frozen(kw_only=True)
class AuditEntry:
    """One write: by whom, to what, which fields (names only, never values), when."""

    id: str
    at: datetime
    actor: str
    """The API key id, ``anonymous``, or a job such as ``scheduler``."""
    action: str
    """``create``, ``update``, ``delete``, ``erase``, ``unsubscribe``, ``run``, …"""
    resource: str
    resource_id: str | None = None
    fields: tuple[str, ...] = ()
    request_id: str | None = None


@frozen(kw_only=True)
class Page(Generic[T]):
    """One page of a list: the items, and how many records match the filter in all."""

    items: Sequence[T]
    total: int
    limit: int
    offset: int


@frozen(kw_only=True)
class PipelineStage:
    """Per-stage figures over all of a workspace's deals (amounts in cents)."""

    stage: DealStage
    count: int
    total_amount_cents: int
    weighted_amount_cents: int

    @property
    def total_amount(self) -> Decimal:
        return Decimal(self.total_amount_cents).scaleb(-2)

    @property
    def weighted_amount(self) -> Decimal:
        return Decimal(self.weighted_amount_cents).scaleb(-2)


@frozen(kw_only=True)
class ContactDetail:
    contact: Contact
    company: Company | None
    activities: Sequence[Activity]
    deals: Sequence[Deal]


@frozen(kw_only=True)
class CompanyDetail:
    company: Company
    contacts: Sequence[Contact]
    deals: Sequence[Deal]
    activities: Sequence[Activity]


@frozen(kw_only=True)
class DealDetail:
    deal: Deal
    company: Company | None
    contact: Contact | None
    activities: Sequence[Activity]
