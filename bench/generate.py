"""A deterministic data set: the same seed gives the same rows, ids included.

Records are the core's own entities (``Contact``, ``Company`` …), so the
loader turns them into rows with the adapter's row functions, search keys
and all. They come in chunks, in creation order, with time-ordered ids
(UUIDv7 whose random bits come from the seeded generator), as a real
workspace fills up over three years.

Only what later records refer to is kept in memory (ids and a few fields),
so a million contacts cost tens of megabytes, not gigabytes.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import attrs
from attrs import define, field

from pauhu_crm_core.entities import (
    Activity,
    ActivityType,
    Company,
    Contact,
    Deal,
    DealStage,
    Enrollment,
    IcpTier,
    LifecycleStage,
    Task,
    TaskPriority,
    TaskStatus,
)
from pauhu_crm_core.scoring import segment_for_score

from .names import (
    ACTIVITY_SUBJECTS,
    COMPANY_STEMS,
    COMPANY_WORDS,
    COUNTRIES,
    INDUSTRIES,
    RARE_LAST_NAME,
    SIZES,
    TASK_TITLES,
    TITLES,
    Country,
    ascii_slug,
)
from .scale import Volume

NOW = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
"""The benchmark's "now": every generated time lies before it."""
TODAY = NOW.date()
HISTORY = timedelta(days=3 * 365)
CHUNK = 5_000

RARE_CONTACTS = 7
"""Contacts with ``RARE_LAST_NAME``, whatever the scale."""

SEQUENCE_IDS = ("seq-hot-sovereign", "seq-warm-regulatory", "seq-cold-education")
"""The default sequences every workspace is provisioned with."""

_STAGE_WEIGHTS = {
    LifecycleStage.SUBSCRIBER: 30,
    LifecycleStage.LEAD: 30,
    LifecycleStage.MQL: 15,
    LifecycleStage.SQL: 10,
    LifecycleStage.OPPORTUNITY: 8,
    LifecycleStage.CUSTOMER: 7,
}
_DEAL_STAGES = {
    DealStage.LEAD: 10,
    DealStage.QUALIFIED: 25,
    DealStage.PROPOSAL: 50,
    DealStage.NEGOTIATION: 75,
    DealStage.CLOSED_WON: 100,
    DealStage.CLOSED_LOST: 0,
}


def uuid7(moment: datetime, rng: random.Random) -> str:
    """``pauhu_crm_core.ids.new_id`` with seeded random bits (so ids repeat run to run)."""
    unix_ms = int((moment - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(milliseconds=1))
    value = (
        (unix_ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62)
    ) | rng.getrandbits(62)
    return str(uuid.UUID(int=value))


@define
class ContactRef:
    id: str
    company_id: str | None
    mailable: bool


@define
class WorkspaceData:
    """The records of one workspace, generated on demand and in order: companies, contacts,
    deals, activities, tasks, enrolments (each refers only to what came before)."""

    workspace_id: str
    volume: Volume
    seed: int
    due_enrollments: int = 0
    with_scores: bool = True
    company_share: float = 0.9
    """Contacts that work for a company (the rest have none)."""
    rng: random.Random = field(init=False)
    company_ids: list[str] = field(factory=list)
    company_country: list[Country] = field(factory=list)
    company_domain: list[str] = field(factory=list)
    contact_refs: list[ContactRef] = field(factory=list)
    deal_refs: list[tuple[str, str | None, str | None]] = field(factory=list)

    def __attrs_post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def _times(self, count: int) -> Iterator[datetime]:
        """``count`` increasing moments over the last three years."""
        start = NOW - HISTORY
        step = HISTORY / max(count, 1)
        for index in range(count):
            yield start + step * index + step * self.rng.random() * 0.9

    def companies(self) -> Iterator[list[Company]]:
        rng = self.rng
        chunk: list[Company] = []
        for index, created in enumerate(self._times(self.volume.companies)):
            country = rng.choice(COUNTRIES)
            stem = rng.choice(COMPANY_STEMS)
            name = f"{stem} {rng.choice(COMPANY_WORDS)} {rng.choice(country.company_suffixes)}"
            domain = f"{ascii_slug(stem)}-{index}.{country.tld}"
            company = Company(
                id=uuid7(created, rng),
                name=name,
                domain=domain,
                industry=rng.choice(INDUSTRIES),
                size=rng.choice(SIZES),
                country=country.code,
                city=rng.choice(country.cities),
                website=f"https://{domain}",
                description=f"{name} works in {rng.choice(INDUSTRIES).lower()}.",
                icp_tier=rng.choice((*IcpTier, None)),
                is_target_account=rng.random() < 0.2,
                owner_id=f"rep-{rng.randrange(20)}",
                tags=("eu",) if rng.random() < 0.5 else (),
                created_at=created,
                updated_at=created,
            )
            self.company_ids.append(company.id)
            self.company_country.append(country)
            self.company_domain.append(domain)
            chunk.append(company)
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def contacts(self) -> Iterator[list[Contact]]:
        rng = self.rng
        count = self.volume.contacts
        rare = set(rng.sample(range(count), min(RARE_CONTACTS, count)))
        stages, weights = list(_STAGE_WEIGHTS), list(_STAGE_WEIGHTS.values())
        chunk: list[Contact] = []
        for index, created in enumerate(self._times(count)):
            company = (
                rng.randrange(len(self.company_ids)) if rng.random() < self.company_share else None
            )
            country = rng.choice(COUNTRIES) if company is None else self.company_country[company]
            first = rng.choice(country.first_names)
            last = RARE_LAST_NAME if index in rare else rng.choice(country.last_names)
            domain = f"mail.{country.tld}" if company is None else self.company_domain[company]
            email = (
                None
                if rng.random() < 0.03
                else f"{ascii_slug(first)}.{ascii_slug(last)}.{index}@{domain}"
            )
            stage = rng.choices(stages, weights)[0]
            contact = Contact(
                id=uuid7(created, rng),
                email=email,
                first_name=first,
                last_name=last,
                phone=f"{country.phone_prefix} {rng.randrange(1000000, 9999999)}",
                title=rng.choice(TITLES),
                company_id=None if company is None else self.company_ids[company],
                lifecycle_stage=stage,
                lead_source=rng.choice(("web", "event", "referral", "import")),
                owner_id=f"rep-{rng.randrange(20)}",
                tags=("newsletter",) if rng.random() < 0.3 else (),
                created_at=created,
                updated_at=created,
                last_activity_at=created + timedelta(days=rng.randrange(30))
                if rng.random() < 0.7
                else None,
                unsubscribed_at=created if rng.random() < 0.01 else None,
            )
            if self.with_scores and rng.random() < 0.6:
                score = rng.randrange(101)
                contact = _scored(contact, score, created + timedelta(days=1))
            mailable = (
                contact.email is not None
                and contact.unsubscribed_at is None
                and stage is not LifecycleStage.CUSTOMER
            )
            self.contact_refs.append(ContactRef(contact.id, contact.company_id, mailable))
            chunk.append(contact)
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def deals(self) -> Iterator[list[Deal]]:
        rng = self.rng
        stages = list(_DEAL_STAGES)
        chunk: list[Deal] = []
        for created in self._times(self.volume.deals):
            contact = rng.choice(self.contact_refs)
            stage = rng.choice(stages)
            closed = stage.is_closed
            deal = Deal(
                id=uuid7(created, rng),
                name=f"Pauhu licence {rng.choice(('pilot', 'on-premise', 'air-gapped', 'SaaS'))}",
                company_id=contact.company_id,
                contact_id=contact.id,
                stage=stage,
                # Cents on purpose: 12 345,67 € is 1234567.
                amount_cents=rng.randrange(100_000, 50_000_000),
                probability=_DEAL_STAGES[stage],
                expected_close_date=(created + timedelta(days=rng.randrange(14, 180))).date(),
                actual_close_date=(created + timedelta(days=30)).date() if closed else None,
                lost_reason="budget" if stage is DealStage.CLOSED_LOST else None,
                owner_id=f"rep-{rng.randrange(20)}",
                created_at=created,
                updated_at=created,
            )
            self.deal_refs.append((deal.id, deal.company_id, deal.contact_id))
            chunk.append(deal)
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def activities(self) -> Iterator[list[Activity]]:
        rng = self.rng
        types = list(ActivityType)
        chunk: list[Activity] = []
        for occurred in self._times(self.volume.activities):
            contact_id, company_id, deal_id = self._subject(rng)
            activity = Activity(
                id=uuid7(occurred, rng),
                contact_id=contact_id,
                company_id=company_id,
                deal_id=deal_id,
                type=rng.choice(types),
                subject=rng.choice(ACTIVITY_SUBJECTS),
                body="Notes from the conversation; next step agreed.",
                metadata={"direction": "outbound"} if rng.random() < 0.3 else {},
                occurred_at=occurred,
                created_by=f"rep-{rng.randrange(20)}",
                created_at=occurred,
                updated_at=occurred,
            )
            chunk.append(activity)
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def tasks(self) -> Iterator[list[Task]]:
        rng = self.rng
        chunk: list[Task] = []
        for created in self._times(self.volume.tasks):
            contact_id, company_id, deal_id = self._subject(rng)
            status = rng.choices(list(TaskStatus), (60, 15, 25))[0]
            due: date | None = TODAY + timedelta(days=rng.randrange(-90, 60))
            if rng.random() < 0.1:
                due = None
            task = Task(
                id=uuid7(created, rng),
                title=rng.choice(TASK_TITLES),
                contact_id=contact_id,
                company_id=company_id,
                deal_id=deal_id,
                due_date=due,
                priority=rng.choice(list(TaskPriority)),
                status=status,
                assigned_to=f"rep-{rng.randrange(20)}",
                completed_at=created if status is TaskStatus.DONE else None,
                created_at=created,
                updated_at=created,
            )
            chunk.append(task)
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def enrollments(self) -> Iterator[list[Enrollment]]:
        """``due_enrollments`` due yesterday (step 0), then ``volume.enrollments`` due later;
        each of a different mailable contact (one active enrolment per contact)."""
        rng = self.rng
        mailable = [c for c in self.contact_refs if c.mailable]
        wanted = min(len(mailable), self.due_enrollments + self.volume.enrollments)
        chosen = rng.sample(mailable, wanted)
        chunk: list[Enrollment] = []
        for number, contact in enumerate(chosen):
            due = number < self.due_enrollments
            enrolled = NOW - timedelta(days=1 if due else rng.randrange(1, 30))
            enrollment = Enrollment(
                id=uuid7(enrolled, rng),
                sequence_id=rng.choice(SEQUENCE_IDS),
                contact_id=contact.id,
                enrolled_at=enrolled,
                enrolled_on=enrolled.date(),
                next_step=0 if due else 1,
                next_due_on=TODAY - timedelta(days=1) if due else TODAY + timedelta(days=3),
                updated_at=enrolled,
            )
            chunk.append(enrollment)
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _subject(self, rng: random.Random) -> tuple[str | None, str | None, str | None]:
        """What an activity or task is about: a deal (with its contact and company) or,
        more often, a contact alone."""
        if self.deal_refs and rng.random() < 0.4:
            deal_id, company_id, contact_id = rng.choice(self.deal_refs)
            return contact_id, company_id, deal_id
        contact = rng.choice(self.contact_refs)
        return contact.id, contact.company_id, None


def _scored(contact: Contact, score: int, at: datetime) -> Contact:
    breakdown = {
        "scorer": "rules",
        "criteria": [{"key": "fit", "points": score // 5, "rationale": "generated"}],
    }
    return attrs.evolve(
        contact,
        lead_score=score,
        score_segment=segment_for_score(score),
        scored_at=at,
        score_breakdown=breakdown,
    )


def find_sample(data: WorkspaceData, count: int, seed: int) -> list[ContactRef]:
    """``count`` contacts picked at random (detail views read these)."""
    return random.Random(seed).sample(data.contact_refs, min(count, len(data.contact_refs)))
