"""Ports of the CRM records: the clock, list filters and the record repositories."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Literal, Protocol, runtime_checkable

from attrs import frozen

from ..entities import (
    Activity,
    ActivityType,
    Company,
    Contact,
    Deal,
    DealStage,
    IcpTier,
    LifecycleStage,
    Page,
    PipelineStage,
    ScoreSegment,
    Task,
    TaskStatus,
    Workspace,
)
from ..scoring import ScoreSummary
from .scoring import AppliedScore

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
    async def latest(self, filter: ContactFilter, *, limit: int) -> Sequence[Contact]:
        """The first ``limit`` of ``find``'s rows, without counting them (detail views)."""
        ...

    async def touch_last_activity(self, id: str, at: datetime) -> None:
        """Set ``last_activity_at`` to ``at`` unless it is already later (atomically)."""
        ...

    async def touch_last_activity_many(self, times: Mapping[str, datetime]) -> None:
        """``touch_last_activity`` for many contacts (id → time) in one batch."""
        ...

    async def scoring_candidates(
        self, *, rescore: bool, after_id: str | None, limit: int
    ) -> Sequence[Contact]:
        """Contacts a scoring run should evaluate, by id after ``after_id`` (keyset pages):
        those never scored (``scored_at`` is null); with ``rescore``, also every contact
        whose score a scorer set — never one set by hand (``score_breakdown.scorer`` is
        ``"manual"``)."""
        ...

    async def apply_scores(self, scores: Sequence[AppliedScore]) -> None:
        """Write the score fields of many contacts in one batch."""
        ...

    async def score_summary(self) -> ScoreSummary:
        """Contacts per segment, never-scored contacts and the average score of the scored
        ones, in one grouped query."""
        ...

    async def top_scored(self, limit: int) -> Sequence[Contact]:
        """The highest-scored contacts, highest first (ties: newest first)."""
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
    async def get_many(self, ids: Collection[str]) -> Sequence[Company]:
        """The companies with these ids (missing ones left out), in one query."""
        ...


@runtime_checkable
class DealRepository(Protocol):
    async def add(self, deal: Deal) -> None: ...
    async def get(self, id: str) -> Deal | None: ...
    async def exists(self, id: str) -> bool: ...
    async def replace(self, deal: Deal) -> None: ...
    async def delete(self, id: str) -> bool: ...
    async def find(self, filter: DealFilter, *, limit: int, offset: int) -> Page[Deal]: ...
    async def latest(self, filter: DealFilter, *, limit: int) -> Sequence[Deal]:
        """The first ``limit`` of ``find``'s rows, without counting them (detail views)."""
        ...

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
    async def latest(self, filter: ActivityFilter, *, limit: int) -> Sequence[Activity]:
        """The first ``limit`` of ``find``'s rows, without counting them (detail views)."""
        ...

    async def clear_reference(self, field: ReferenceField, target_id: str) -> None: ...
    async def delete_for_contact(self, contact_id: str) -> int:
        """Delete every activity of a contact (erasure); answer how many."""
        ...


@runtime_checkable
class TaskRepository(Protocol):
    async def add(self, task: Task) -> None: ...
    async def get(self, id: str) -> Task | None: ...
    async def replace(self, task: Task) -> None: ...
    async def delete(self, id: str) -> bool: ...
    async def find(self, filter: TaskFilter, *, limit: int, offset: int) -> Page[Task]: ...
    async def clear_reference(self, field: ReferenceField, target_id: str) -> None: ...
    async def delete_for_contact(self, contact_id: str) -> int:
        """Delete every task of a contact (erasure); answer how many."""
        ...
