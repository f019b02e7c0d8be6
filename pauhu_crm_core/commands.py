"""Commands: what a caller may send to create, change or list each kind of record.

``New*`` classes carry the seed's defaults; ``*Changes`` classes are partial
updates whose fields default to ``UNSET``; ``*Query`` classes are list
filters. Fields not declared here are rejected, and ``READ_ONLY`` names the
server-managed ones so the error can say so.
"""

from __future__ import annotations

from attrs import Factory, frozen

from .entities import (
    ActivityType,
    DealStage,
    DeliveryStatus,
    EnrollmentStatus,
    IcpTier,
    LifecycleStage,
    ScoreSegment,
    SequenceStatus,
    TaskPriority,
    TaskStatus,
)
from .validation import (
    UNSET,
    Body,
    Cents,
    Country,
    Currency,
    Date,
    Days,
    Domain,
    Email,
    Id,
    JsonObject,
    LongText,
    Name,
    Percent,
    Phone,
    QueryBool,
    QueryInt,
    Tags,
    Text,
    Timestamp,
    TimeZoneName,
    Unset,
    Url,
)

_SERVER_FIELDS = frozenset({"workspace_id", "created_at", "updated_at"})


def read_only(*fields: str) -> frozenset[str]:
    return _SERVER_FIELDS | frozenset(fields)


# -- workspace


@frozen(kw_only=True)
class WorkspaceChanges:
    name: Name | Unset = UNSET
    timezone: TimeZoneName | Unset = UNSET
    auto_enroll: bool | Unset = UNSET


WORKSPACE_READ_ONLY = read_only("id")


# -- contacts

CONTACT_SERVER_FIELDS = (
    "last_activity_at",
    "score_segment",
    "scored_at",
    "score_breakdown",
    "unsubscribed_at",
)
NEW_CONTACT_READ_ONLY = read_only(*CONTACT_SERVER_FIELDS)
CONTACT_CHANGES_READ_ONLY = read_only("id", *CONTACT_SERVER_FIELDS)


@frozen(kw_only=True)
class NewContact:
    id: Id | None = None
    email: Email | None = None
    first_name: Text | None = None
    last_name: Text | None = None
    phone: Phone | None = None
    title: Text | None = None
    company_id: Id | None = None
    lifecycle_stage: LifecycleStage = LifecycleStage.SUBSCRIBER
    lead_score: Percent | Unset = UNSET
    lead_source: Text | None = None
    owner_id: Text | None = None
    tags: Tags = Tags(())
    custom_fields: JsonObject = Factory(lambda: JsonObject({}))


@frozen(kw_only=True)
class ContactChanges:
    email: Email | Unset | None = UNSET
    first_name: Text | Unset | None = UNSET
    last_name: Text | Unset | None = UNSET
    phone: Phone | Unset | None = UNSET
    title: Text | Unset | None = UNSET
    company_id: Id | Unset | None = UNSET
    lifecycle_stage: LifecycleStage | Unset = UNSET
    lead_score: Percent | Unset = UNSET
    lead_source: Text | Unset | None = UNSET
    owner_id: Text | Unset | None = UNSET
    tags: Tags | Unset = UNSET
    custom_fields: JsonObject | Unset = UNSET


# -- companies

COMPANY_READ_ONLY = read_only()
COMPANY_CHANGES_READ_ONLY = read_only("id")


@frozen(kw_only=True)
class NewCompany:
    id: Id | None = None
    name: Name = Name("Unknown Company")
    domain: Domain | None = None
    industry: Text | None = None
    size: Text | None = None
    country: Country | None = None
    city: Text | None = None
    website: Url | None = None
    linkedin_url: Url | None = None
    description: LongText | None = None
    icp_tier: IcpTier | None = None
    is_target_account: bool = False
    owner_id: Text | None = None
    tags: Tags = Tags(())
    custom_fields: JsonObject = Factory(lambda: JsonObject({}))


@frozen(kw_only=True)
class CompanyChanges:
    name: Name | Unset = UNSET
    domain: Domain | Unset | None = UNSET
    industry: Text | Unset | None = UNSET
    size: Text | Unset | None = UNSET
    country: Country | Unset | None = UNSET
    city: Text | Unset | None = UNSET
    website: Url | Unset | None = UNSET
    linkedin_url: Url | Unset | None = UNSET
    description: LongText | Unset | None = UNSET
    icp_tier: IcpTier | Unset | None = UNSET
    is_target_account: bool | Unset = UNSET
    owner_id: Text | Unset | None = UNSET
    tags: Tags | Unset = UNSET
    custom_fields: JsonObject | Unset = UNSET


# -- deals

DEAL_READ_ONLY = read_only()
DEAL_CHANGES_READ_ONLY = read_only("id")


@frozen(kw_only=True)
class NewDeal:
    id: Id | None = None
    name: Name = Name("New Deal")
    company_id: Id | None = None
    contact_id: Id | None = None
    stage: DealStage = DealStage.LEAD
    amount: Cents | None = None
    currency: Currency = Currency("EUR")
    probability: Percent | None = None
    expected_close_date: Date | None = None
    actual_close_date: Date | None = None
    lost_reason: LongText | None = None
    owner_id: Text | None = None


@frozen(kw_only=True)
class DealChanges:
    name: Name | Unset = UNSET
    company_id: Id | Unset | None = UNSET
    contact_id: Id | Unset | None = UNSET
    stage: DealStage | Unset = UNSET
    amount: Cents | Unset | None = UNSET
    currency: Currency | Unset = UNSET
    probability: Percent | Unset | None = UNSET
    expected_close_date: Date | Unset | None = UNSET
    actual_close_date: Date | Unset | None = UNSET
    lost_reason: LongText | Unset | None = UNSET
    owner_id: Text | Unset | None = UNSET


# -- activities

ACTIVITY_READ_ONLY = read_only()
ACTIVITY_CHANGES_READ_ONLY = read_only("id")


@frozen(kw_only=True)
class NewActivity:
    id: Id | None = None
    contact_id: Id | None = None
    company_id: Id | None = None
    deal_id: Id | None = None
    type: ActivityType = ActivityType.NOTE
    subject: Text | None = None
    body: LongText | None = None
    metadata: JsonObject = Factory(lambda: JsonObject({}))
    occurred_at: Timestamp | None = None
    created_by: Text | None = None


@frozen(kw_only=True)
class ActivityChanges:
    contact_id: Id | Unset | None = UNSET
    company_id: Id | Unset | None = UNSET
    deal_id: Id | Unset | None = UNSET
    type: ActivityType | Unset = UNSET
    subject: Text | Unset | None = UNSET
    body: LongText | Unset | None = UNSET
    metadata: JsonObject | Unset = UNSET
    occurred_at: Timestamp | Unset = UNSET
    created_by: Text | Unset | None = UNSET


# -- tasks

TASK_READ_ONLY = read_only("completed_at")
TASK_CHANGES_READ_ONLY = read_only("id", "completed_at")


@frozen(kw_only=True)
class NewTask:
    id: Id | None = None
    title: Name
    description: LongText | None = None
    contact_id: Id | None = None
    company_id: Id | None = None
    deal_id: Id | None = None
    due_date: Date | None = None
    priority: TaskPriority = TaskPriority.MEDIUM
    status: TaskStatus = TaskStatus.TODO
    assigned_to: Text | None = None


@frozen(kw_only=True)
class TaskChanges:
    title: Name | Unset = UNSET
    description: LongText | Unset | None = UNSET
    contact_id: Id | Unset | None = UNSET
    company_id: Id | Unset | None = UNSET
    deal_id: Id | Unset | None = UNSET
    due_date: Date | Unset | None = UNSET
    priority: TaskPriority | Unset = UNSET
    status: TaskStatus | Unset = UNSET
    assigned_to: Text | Unset | None = UNSET


# -- list queries. ``limit`` above the maximum is clamped by the service.


@frozen(kw_only=True)
class PageQuery:
    limit: QueryInt = QueryInt(50)
    offset: QueryInt = QueryInt(0)


@frozen(kw_only=True)
class ContactQuery(PageQuery):
    stage: LifecycleStage | None = None
    q: Text | None = None
    company_id: Id | None = None
    owner_id: Text | None = None
    segment: ScoreSegment | None = None


@frozen(kw_only=True)
class CompanyQuery(PageQuery):
    target: QueryBool | None = None
    q: Text | None = None
    icp_tier: IcpTier | None = None
    industry: Text | None = None
    country: Country | None = None


@frozen(kw_only=True)
class DealQuery(PageQuery):
    stage: DealStage | None = None
    company_id: Id | None = None
    contact_id: Id | None = None
    owner_id: Text | None = None


@frozen(kw_only=True)
class ActivityQuery(PageQuery):
    contact_id: Id | None = None
    company_id: Id | None = None
    deal_id: Id | None = None
    type: ActivityType | None = None


@frozen(kw_only=True)
class TaskQuery(PageQuery):
    status: TaskStatus | None = None
    assigned_to: Text | None = None
    overdue: QueryBool | None = None
    contact_id: Id | None = None
    company_id: Id | None = None
    deal_id: Id | None = None


# -- sequences

SEQUENCE_READ_ONLY = read_only("enrollment_counts")
SEQUENCE_CHANGES_READ_ONLY = read_only("id", "enrollment_counts")


@frozen(kw_only=True)
class StepInput:
    subject: Name
    body: Body
    delay_days: Days


@frozen(kw_only=True)
class NewSequence:
    id: Id | None = None
    name: Name
    description: LongText | None = None
    segment: ScoreSegment | None = None
    status: SequenceStatus = SequenceStatus.ACTIVE
    steps: tuple[StepInput, ...]


@frozen(kw_only=True)
class SequenceChanges:
    name: Name | Unset = UNSET
    description: LongText | Unset | None = UNSET
    segment: ScoreSegment | Unset | None = UNSET
    status: SequenceStatus | Unset = UNSET
    steps: tuple[StepInput, ...] | Unset = UNSET


@frozen(kw_only=True)
class NewEnrollment:
    contact_id: Id


@frozen(kw_only=True)
class SequenceQuery(PageQuery):
    pass


@frozen(kw_only=True)
class EnrollmentQuery(PageQuery):
    status: EnrollmentStatus | None = None


@frozen(kw_only=True)
class OutboxQuery(PageQuery):
    pass


@frozen(kw_only=True)
class DeliveryQuery(PageQuery):
    status: DeliveryStatus | None = None


# -- scoring


@frozen(kw_only=True)
class ScoreRunQuery:
    rescore: QueryBool = QueryBool(False)


@frozen(kw_only=True)
class ScoreHistoryQuery(PageQuery):
    pass


# -- jobs


@frozen(kw_only=True)
class JobQuery(PageQuery):
    job: Text | None = None


# -- audit


@frozen(kw_only=True)
class AuditQuery(PageQuery):
    resource: Text | None = None
    resource_id: Text | None = None
    action: Text | None = None
    actor: Text | None = None
