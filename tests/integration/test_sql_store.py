"""The SQL store's unit of work and repositories, on SQLite and PostgreSQL.

Round trips, tenant isolation, uniqueness and reference errors, and rollback.
Searching, listing and the pipeline are in ``test_sql_queries.py``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import anyio
import anyio.lowlevel
import attrs
import pytest

from pauhu_crm_adapters import SystemClock
from pauhu_crm_adapters.sql import SqlStore
from pauhu_crm_core.entities import (
    Activity,
    ActivityType,
    Company,
    Contact,
    Deal,
    DealStage,
    IcpTier,
    LifecycleStage,
    ScoreSegment,
    Task,
    TaskPriority,
    TaskStatus,
    Workspace,
)
from pauhu_crm_core.errors import Conflict, NotFound, ValidationFailed
from pauhu_crm_core.ports import (
    ActivityFilter,
    ActivityRepository,
    ApiKeyRepository,
    Clock,
    CompanyFilter,
    CompanyRepository,
    ContactFilter,
    ContactRepository,
    CredentialsUnitOfWork,
    DealFilter,
    DealRepository,
    DeliveryRepository,
    EnrollmentRepository,
    OutboxRepository,
    SequenceRepository,
    Store,
    TaskFilter,
    TaskRepository,
    UnitOfWork,
    WorkspaceRepository,
)

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
HELSINKI = timezone(timedelta(hours=2))
BIG_CENTS = 2**53 + 1  # not representable as a float


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def stamps(**fields: Any) -> dict[str, Any]:
    return {"created_at": T0, "updated_at": T0, **fields}


async def open_workspace(store: SqlStore, workspace_id: str) -> None:
    async with store.unit_of_work(workspace_id) as uow:
        await uow.workspace.ensure(Workspace(id=workspace_id, name="Test", **stamps()))
        await uow.commit()


async def add_all(store: SqlStore, workspace_id: str, *records: Any) -> None:
    async with store.unit_of_work(workspace_id) as uow:
        for record in records:
            repository: Any = {
                Company: uow.companies,
                Contact: uow.contacts,
                Deal: uow.deals,
                Activity: uow.activities,
                Task: uow.tasks,
            }[type(record)]
            await repository.add(record)
        await uow.commit()


def rich_records() -> tuple[Company, Contact, Deal, Activity, Task]:
    """One of each entity with every field set, in a non-UTC offset where a datetime goes."""
    company = Company(
        id=new_id("comp"),
        name="Digi- ja väestötietovirasto",
        domain=f"{uuid.uuid4().hex[:8]}.fi",
        industry="Government",
        size="1000+",
        country="FI",
        city="Helsinki",
        website="https://dvv.fi",
        linkedin_url="https://www.linkedin.com/company/dvv",
        description="Väestötietojärjestelmä",
        icp_tier=IcpTier.TIER_1,
        is_target_account=True,
        owner_id="owner-1",
        tags=("public", "eu"),
        custom_fields={"employees": 1000, "nested": {"list": [1, "ä", None]}},
        created_at=datetime(2026, 3, 7, 12, 30, 15, 123456, tzinfo=HELSINKI),
        updated_at=T0,
    )
    contact = Contact(
        id=new_id("cont"),
        email=f"{uuid.uuid4().hex[:8]}@dvv.fi",
        first_name="Sanna",
        last_name="Äijälä",
        phone="+358 40 123 4567",
        title="CIO",
        company_id=company.id,
        lifecycle_stage=LifecycleStage.MQL,
        lead_score=73,
        lead_source="web",
        owner_id="owner-1",
        tags=("vip",),
        custom_fields={"language": "fi"},
        last_activity_at=datetime(2026, 3, 8, 9, 0, tzinfo=HELSINKI),
        score_segment=ScoreSegment.HOT,
        scored_at=T0,
        score_breakdown={"scorer": "manual", "criteria": []},
        unsubscribed_at=T0 + timedelta(days=1),
        **stamps(),
    )
    deal = Deal(
        id=new_id("deal"),
        name="Search platform",
        company_id=company.id,
        contact_id=contact.id,
        stage=DealStage.CLOSED_LOST,
        amount_cents=BIG_CENTS,
        currency="EUR",
        probability=35,
        expected_close_date=date(2026, 6, 30),
        actual_close_date=date(2026, 3, 7),
        lost_reason="budget",
        owner_id="owner-2",
        **stamps(),
    )
    activity = Activity(
        id=new_id("act"),
        contact_id=contact.id,
        company_id=company.id,
        deal_id=deal.id,
        type=ActivityType.MEETING,
        subject="Kick-off",
        body="Muistiinpanot ✓",
        metadata={"direction": "inbound", "attendees": ["a", "b"]},
        occurred_at=datetime(2026, 3, 6, 23, 59, 59, 999999, tzinfo=HELSINKI),
        created_by="user-1",
        **stamps(),
    )
    task = Task(
        id=new_id("task"),
        title="Send the offer",
        description="By e-mail",
        contact_id=contact.id,
        company_id=company.id,
        deal_id=deal.id,
        due_date=date(2026, 3, 10),
        priority=TaskPriority.HIGH,
        status=TaskStatus.DONE,
        assigned_to="user-2",
        completed_at=T0,
        **stamps(),
    )
    return company, contact, deal, activity, task


def assert_all_datetimes_are_utc(record: Any) -> None:
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        if isinstance(value, datetime):
            assert value.tzinfo is not None, field.name
            assert value.utcoffset() == timedelta(0), field.name


# -- conformance ------------------------------------------------------------------------------


async def test_the_store_and_every_repository_satisfy_the_ports(
    store: SqlStore, workspace_id: str
) -> None:
    assert isinstance(store, Store)
    assert isinstance(SystemClock(), Clock)
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert isinstance(uow, UnitOfWork)
        assert uow.workspace_id == workspace_id
        assert isinstance(uow.workspace, WorkspaceRepository)
        assert isinstance(uow.contacts, ContactRepository)
        assert isinstance(uow.companies, CompanyRepository)
        assert isinstance(uow.deals, DealRepository)
        assert isinstance(uow.activities, ActivityRepository)
        assert isinstance(uow.tasks, TaskRepository)
        assert isinstance(uow.sequences, SequenceRepository)
        assert isinstance(uow.enrollments, EnrollmentRepository)
        assert isinstance(uow.deliveries, DeliveryRepository)
        assert isinstance(uow.outbox, OutboxRepository)
    async with store.credentials(read_only=True) as credentials:
        assert isinstance(credentials, CredentialsUnitOfWork)
        assert isinstance(credentials.api_keys, ApiKeyRepository)


def test_the_system_clock_tells_aware_utc_time() -> None:
    now = SystemClock().now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)


# -- round trips ------------------------------------------------------------------------------


async def test_ensure_inserts_a_workspace_once_and_returns_the_stored_one(
    store: SqlStore, workspace_id: str
) -> None:
    first = Workspace(id=workspace_id, name="First", auto_enroll=False, **stamps())
    second = Workspace(id=workspace_id, name="Second", **stamps())
    async with store.unit_of_work(workspace_id) as uow:
        assert await uow.workspace.get() is None
        assert await uow.workspace.ensure(first) == first
        assert await uow.workspace.ensure(second) == first
        await uow.commit()
    changed = Workspace(
        id=workspace_id,
        name="Renamed",
        timezone="Europe/Paris",
        auto_enroll=True,
        created_at=T0,
        updated_at=T0 + timedelta(hours=1),
    )
    async with store.unit_of_work(workspace_id) as uow:
        await uow.workspace.replace(changed)
        await uow.commit()
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        stored = await uow.workspace.get()
    assert stored == changed
    assert_all_datetimes_are_utc(stored)


async def test_every_entity_round_trips_with_all_fields(store: SqlStore, workspace_id: str) -> None:
    await open_workspace(store, workspace_id)
    records = rich_records()
    await add_all(store, workspace_id, *records)
    company, contact, deal, activity, task = records
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        stored = (
            await uow.companies.get(company.id),
            await uow.contacts.get(contact.id),
            await uow.deals.get(deal.id),
            await uow.activities.get(activity.id),
            await uow.tasks.get(task.id),
        )
    assert stored == records
    for record in stored:
        assert_all_datetimes_are_utc(record)
    stored_contact = stored[1]
    assert isinstance(stored_contact, Contact)
    assert stored_contact.tags == ("vip",)
    assert stored_contact.lifecycle_stage is LifecycleStage.MQL
    assert isinstance(stored[2], Deal)
    assert stored[2].amount_cents == BIG_CENTS


async def test_minimal_entities_round_trip_with_their_defaults(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    records = (
        Company(id=new_id("comp"), **stamps()),
        Contact(id=new_id("cont"), **stamps()),
        Deal(id=new_id("deal"), **stamps()),
        Activity(id=new_id("act"), occurred_at=T0, **stamps()),
        Task(id=new_id("task"), title="Call", **stamps()),
    )
    await add_all(store, workspace_id, *records)
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        stored = (
            await uow.companies.get(records[0].id),
            await uow.contacts.get(records[1].id),
            await uow.deals.get(records[2].id),
            await uow.activities.get(records[3].id),
            await uow.tasks.get(records[4].id),
        )
    assert stored == records
    assert isinstance(stored[1], Contact)
    assert stored[1].score_breakdown is None


async def test_replace_writes_every_field_and_delete_removes(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    company, contact, deal, activity, task = rich_records()
    await add_all(store, workspace_id, company, contact, deal, activity, task)
    later = T0 + timedelta(days=2)
    changed = (
        Company(id=company.id, name="Renamed Oy", **stamps(updated_at=later)),
        Contact(id=contact.id, email="new@example.eu", **stamps(updated_at=later)),
        Deal(id=deal.id, stage=DealStage.PROPOSAL, amount_cents=1, **stamps(updated_at=later)),
        Activity(id=activity.id, occurred_at=later, **stamps(updated_at=later)),
        Task(id=task.id, title="Renamed", **stamps(updated_at=later)),
    )
    async with store.unit_of_work(workspace_id) as uow:
        await uow.tasks.replace(changed[4])
        await uow.activities.replace(changed[3])
        await uow.deals.replace(changed[2])
        await uow.contacts.replace(changed[1])
        await uow.companies.replace(changed[0])
        await uow.commit()
    async with store.unit_of_work(workspace_id) as uow:
        assert await uow.companies.get(company.id) == changed[0]
        assert await uow.contacts.get(contact.id) == changed[1]
        assert await uow.deals.get(deal.id) == changed[2]
        assert await uow.activities.get(activity.id) == changed[3]
        assert await uow.tasks.get(task.id) == changed[4]
        assert await uow.tasks.delete(task.id) is True
        assert await uow.activities.delete(activity.id) is True
        assert await uow.deals.delete(deal.id) is True
        assert await uow.contacts.delete(contact.id) is True
        assert await uow.companies.delete(company.id) is True
        assert await uow.companies.delete(company.id) is False
        await uow.commit()
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert await uow.companies.exists(company.id) is False
        assert await uow.contacts.exists(contact.id) is False
        assert await uow.deals.exists(deal.id) is False
        assert await uow.activities.get(activity.id) is None
        assert await uow.tasks.get(task.id) is None


async def test_replacing_a_record_that_does_not_exist_is_not_found(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    async with store.unit_of_work(workspace_id) as uow:
        with pytest.raises(NotFound):
            await uow.contacts.replace(Contact(id="missing", **stamps()))


# -- last activity and clearing references -----------------------------------------------------


async def test_touch_last_activity_only_ever_moves_forward(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    contact = Contact(id=new_id("cont"), **stamps())
    await add_all(store, workspace_id, contact)
    async with store.unit_of_work(workspace_id) as uow:
        await uow.contacts.touch_last_activity(contact.id, T0)
        await uow.contacts.touch_last_activity(contact.id, T0 + timedelta(hours=2))
        await uow.contacts.touch_last_activity(contact.id, T0 + timedelta(hours=1))
        # The same instant in another offset is not "later".
        await uow.contacts.touch_last_activity(
            contact.id, (T0 + timedelta(hours=2)).astimezone(HELSINKI)
        )
        await uow.commit()
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        stored = await uow.contacts.get(contact.id)
    assert stored is not None
    assert stored.last_activity_at == T0 + timedelta(hours=2)


async def test_touch_last_activity_many_moves_each_contact_forward_only(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    recent = Contact(id=new_id("cont"), last_activity_at=T0 + timedelta(days=1), **stamps())
    idle = Contact(id=new_id("cont"), **stamps())
    await add_all(store, workspace_id, recent, idle)
    async with store.unit_of_work(workspace_id) as uow:
        await uow.contacts.touch_last_activity_many(
            {recent.id: T0, idle.id: T0 + timedelta(hours=1), "missing": T0}
        )
        await uow.contacts.touch_last_activity_many({})
        await uow.commit()
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert await uow.contacts.get(recent.id) == recent
        stored = await uow.contacts.get(idle.id)
    assert stored is not None
    assert stored.last_activity_at == T0 + timedelta(hours=1)


async def test_add_many_inserts_a_batch_of_activities_and_a_used_id_is_a_conflict(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    batch = [Activity(id=new_id("act"), occurred_at=T0, **stamps()) for _ in range(3)]
    async with store.unit_of_work(workspace_id) as uow:
        await uow.activities.add_many(batch)
        await uow.activities.add_many([])
        await uow.commit()
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert [await uow.activities.get(a.id) for a in batch] == batch
    with pytest.raises(Conflict) as caught:
        async with store.unit_of_work(workspace_id) as uow:
            await uow.activities.add_many(
                [Activity(id=new_id("act"), occurred_at=T0, **stamps()), batch[0]]
            )
    assert caught.value.field == "id"


async def test_clear_reference_nulls_only_rows_pointing_at_the_target(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    company, contact, deal, activity, task = rich_records()
    other = Company(id=new_id("comp"), **stamps())
    kept = Contact(id=new_id("cont"), company_id=other.id, **stamps())
    await add_all(store, workspace_id, company, other, contact, kept, deal, activity, task)
    async with store.unit_of_work(workspace_id) as uow:
        await uow.contacts.clear_reference("company_id", company.id)
        await uow.deals.clear_reference("contact_id", contact.id)
        await uow.activities.clear_reference("deal_id", deal.id)
        await uow.tasks.clear_reference("company_id", company.id)
        await uow.commit()
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert (await uow.contacts.get(contact.id)).company_id is None  # type: ignore[union-attr]
        assert (await uow.contacts.get(kept.id)).company_id == other.id  # type: ignore[union-attr]
        stored_deal = await uow.deals.get(deal.id)
        assert stored_deal is not None
        assert (stored_deal.contact_id, stored_deal.company_id) == (None, company.id)
        stored_activity = await uow.activities.get(activity.id)
        assert stored_activity is not None
        assert stored_activity.deal_id is None
        stored_task = await uow.tasks.get(task.id)
        assert stored_task is not None
        assert (stored_task.company_id, stored_task.contact_id) == (None, contact.id)


# -- tenant isolation ---------------------------------------------------------------------------


async def test_another_workspace_can_neither_see_nor_touch_the_records(
    store: SqlStore, workspace_id: str
) -> None:
    other_workspace = f"{workspace_id}-b"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other_workspace)
    company, contact, deal, activity, task = rich_records()
    await add_all(store, workspace_id, company, contact, deal, activity, task)

    async with store.unit_of_work(other_workspace) as uow:
        assert (await uow.workspace.get()).id == other_workspace  # type: ignore[union-attr]
        for repository, record in (
            (uow.companies, company),
            (uow.contacts, contact),
            (uow.deals, deal),
            (uow.activities, activity),
            (uow.tasks, task),
        ):
            assert await repository.get(record.id) is None
            with pytest.raises(NotFound):
                await repository.replace(record)  # type: ignore[arg-type]
            assert await repository.delete(record.id) is False
        assert not await uow.companies.exists(company.id)
        assert not await uow.contacts.exists(contact.id)
        assert not await uow.deals.exists(deal.id)
        assert (await uow.companies.find(CompanyFilter(), limit=10, offset=0)).total == 0
        assert (await uow.contacts.find(ContactFilter(), limit=10, offset=0)).total == 0
        assert (await uow.deals.find(DealFilter(), limit=10, offset=0)).total == 0
        assert (await uow.activities.find(ActivityFilter(), limit=10, offset=0)).total == 0
        assert (await uow.tasks.find(TaskFilter(), limit=10, offset=0)).total == 0
        assert await uow.deals.pipeline() == []
        await uow.contacts.touch_last_activity(contact.id, T0 + timedelta(days=30))
        await uow.contacts.clear_reference("company_id", company.id)
        await uow.deals.clear_reference("contact_id", contact.id)
        await uow.activities.clear_reference("deal_id", deal.id)
        await uow.tasks.clear_reference("deal_id", deal.id)
        await uow.commit()

    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert await uow.companies.get(company.id) == company
        assert await uow.contacts.get(contact.id) == contact
        assert await uow.deals.get(deal.id) == deal
        assert await uow.activities.get(activity.id) == activity
        assert await uow.tasks.get(task.id) == task
        assert len(await uow.deals.pipeline()) == 1


async def test_a_record_may_not_reference_another_workspaces_record(
    store: SqlStore, workspace_id: str
) -> None:
    other_workspace = f"{workspace_id}-b"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other_workspace)
    company = Company(id=new_id("comp"), **stamps())
    await add_all(store, other_workspace, company)
    async with store.unit_of_work(workspace_id) as uow:
        with pytest.raises(ValidationFailed):
            await uow.contacts.add(Contact(id=new_id("cont"), company_id=company.id, **stamps()))


async def test_a_workspace_can_only_write_its_own_settings(
    store: SqlStore, workspace_id: str
) -> None:
    async with store.unit_of_work(workspace_id) as uow:
        with pytest.raises(ValueError, match="given to a unit of work"):
            await uow.workspace.ensure(Workspace(id=f"{workspace_id}-b", name="B", **stamps()))


# -- uniqueness and references ------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda id: Company(id=id, **stamps()), id="company"),
        pytest.param(lambda id: Contact(id=id, **stamps()), id="contact"),
        pytest.param(lambda id: Deal(id=id, **stamps()), id="deal"),
        pytest.param(lambda id: Activity(id=id, occurred_at=T0, **stamps()), id="activity"),
        pytest.param(lambda id: Task(id=id, title="t", **stamps()), id="task"),
    ],
)
async def test_a_used_id_is_a_conflict_on_id(store: SqlStore, workspace_id: str, make: Any) -> None:
    await open_workspace(store, workspace_id)
    await add_all(store, workspace_id, make("abc-123"))
    with pytest.raises(Conflict) as caught:
        await add_all(store, workspace_id, make("abc-123"))
    resource = type(make("x")).__name__.lower()
    assert caught.value.field == "id"
    assert caught.value.message == f"{resource} id 'abc-123' is already used in this workspace"
    # The same id in another workspace is fine.
    await open_workspace(store, f"{workspace_id}-b")
    await add_all(store, f"{workspace_id}-b", make("abc-123"))


async def test_a_used_email_is_a_conflict_on_email_within_the_workspace_only(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    await open_workspace(store, f"{workspace_id}-b")
    await add_all(store, workspace_id, Contact(id="c-1", email="sanna@dvv.fi", **stamps()))
    with pytest.raises(Conflict) as caught:
        await add_all(store, workspace_id, Contact(id="c-2", email="sanna@dvv.fi", **stamps()))
    assert caught.value.field == "email"
    await add_all(store, f"{workspace_id}-b", Contact(id="c-2", email="sanna@dvv.fi", **stamps()))
    # Contacts without an e-mail never collide.
    await add_all(store, workspace_id, *(Contact(id=f"n-{i}", **stamps()) for i in range(3)))


async def test_replacing_with_a_used_email_is_a_conflict(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    await add_all(
        store,
        workspace_id,
        Contact(id="c-1", email="a@example.eu", **stamps()),
        Contact(id="c-2", email="b@example.eu", **stamps()),
    )
    async with store.unit_of_work(workspace_id) as uow:
        with pytest.raises(Conflict) as caught:
            await uow.contacts.replace(Contact(id="c-2", email="a@example.eu", **stamps()))
    assert caught.value.field == "email"


async def test_a_used_domain_is_a_conflict_on_domain(store: SqlStore, workspace_id: str) -> None:
    await open_workspace(store, workspace_id)
    await add_all(store, workspace_id, Company(id="comp-dvv", domain="dvv.fi", **stamps()))
    with pytest.raises(Conflict) as caught:
        await add_all(store, workspace_id, Company(id="comp-2", domain="dvv.fi", **stamps()))
    assert caught.value.field == "domain"


async def test_racing_creates_with_one_email_let_exactly_one_win(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    outcomes: list[str] = []

    async def create(number: int) -> None:
        try:
            async with store.unit_of_work(workspace_id) as uow:
                await uow.contacts.add(
                    Contact(id=f"racer-{number}", email="race@example.eu", **stamps())
                )
                await anyio.lowlevel.checkpoint()  # let the others start theirs too
                await uow.commit()
        except Conflict as conflict:
            outcomes.append(f"conflict on {conflict.field}")
        else:
            outcomes.append("created")

    async with anyio.create_task_group() as group:
        for number in range(10):
            group.start_soon(create, number)

    assert sorted(outcomes) == ["conflict on email"] * 9 + ["created"]
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert (await uow.contacts.find(ContactFilter(), limit=50, offset=0)).total == 1


async def test_a_missing_reference_is_a_validation_failure(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    # PostgreSQL names the violated constraint; SQLite only says a foreign key failed.
    postgres = store.engine.dialect.name == "postgresql"
    cases = [
        (Contact(id="c", company_id="nope", **stamps()), "company_id", "company"),
        (Deal(id="d", contact_id="nope", **stamps()), "contact_id", "contact"),
        (Activity(id="a", deal_id="nope", occurred_at=T0, **stamps()), "deal_id", "deal"),
        (Task(id="t", company_id="nope", title="t", **stamps()), "company_id", "company"),
    ]
    for record, column, thing in cases:
        with pytest.raises(ValidationFailed) as caught:
            await add_all(store, workspace_id, record)
        [detail] = caught.value.details
        if postgres:
            assert detail == {
                "field": column,
                "message": f"does not name a {thing} in this workspace",
            }
        else:
            assert detail["field"] == "reference"


async def test_records_need_their_workspace_to_exist(store: SqlStore, workspace_id: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await add_all(store, workspace_id, Contact(id="c", **stamps()))
    expected = "workspace_id" if store.engine.dialect.name == "postgresql" else "reference"
    assert caught.value.details[0]["field"] == expected


async def test_deleting_a_record_that_is_still_referenced_is_a_conflict(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    company = Company(id=new_id("comp"), **stamps())
    await add_all(store, workspace_id, company, Contact(id="c", company_id=company.id, **stamps()))
    async with store.unit_of_work(workspace_id) as uow:
        with pytest.raises(Conflict):
            await uow.companies.delete(company.id)


# -- transactions -------------------------------------------------------------------------------


async def test_leaving_a_unit_of_work_without_commit_rolls_back(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    async with store.unit_of_work(workspace_id) as uow:
        await uow.contacts.add(Contact(id="c-1", **stamps()))
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert await uow.contacts.get("c-1") is None


async def test_an_exception_inside_a_unit_of_work_rolls_back_and_propagates(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)

    class Boom(Exception):
        pass

    async def fail_half_way() -> None:
        async with store.unit_of_work(workspace_id) as uow:
            await uow.contacts.add(Contact(id="c-1", **stamps()))
            raise Boom

    with pytest.raises(Boom):
        await fail_half_way()
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert await uow.contacts.get("c-1") is None


async def test_a_read_only_unit_of_work_reads_while_another_unit_holds_the_write_lock(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    async with store.unit_of_work(workspace_id) as writer:
        await writer.contacts.add(Contact(id="uncommitted", **stamps()))
        with anyio.fail_after(2):  # a write lock would make it wait for the busy timeout
            async with store.unit_of_work(workspace_id, read_only=True) as reader:
                assert await reader.contacts.get("uncommitted") is None
                assert await reader.workspace.get() is not None
        await writer.commit()
    # The pooled connection that was read-only writes again.
    for _ in range(3):
        async with store.unit_of_work(workspace_id) as uow:
            await uow.contacts.add(Contact(id=new_id("cont"), **stamps()))
            await uow.commit()


@pytest.mark.parametrize("kinds", ["rrwrwwrrrw", "wrwrwr", "rrrrww"])
async def test_pooled_connections_switch_between_reading_and_writing(
    store: SqlStore, workspace_id: str, kinds: str
) -> None:
    # SQLite sets query_only only when a connection's mode changes: whatever the order,
    # a reading unit must refuse a write and a writing unit must write.
    from sqlalchemy.exc import DBAPIError

    await open_workspace(store, workspace_id)
    for kind in kinds:
        if kind == "r":
            with pytest.raises(DBAPIError, match=r"read-only|readonly"):
                async with store.unit_of_work(workspace_id, read_only=True) as uow:
                    await uow.contacts.add(Contact(id=new_id("cont"), **stamps()))
        else:
            async with store.unit_of_work(workspace_id) as uow:
                await uow.contacts.add(Contact(id=new_id("cont"), **stamps()))
                await uow.commit()
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert (await uow.contacts.find(ContactFilter(), limit=1, offset=0)).total == kinds.count(
            "w"
        )


async def test_a_read_only_unit_of_work_cannot_write(store: SqlStore, workspace_id: str) -> None:
    from sqlalchemy.exc import DBAPIError

    # PostgreSQL: "read-only transaction"; SQLite (query_only): "readonly database".
    with pytest.raises(DBAPIError, match=r"read-only|readonly"):
        async with store.unit_of_work(workspace_id, read_only=True) as uow:
            await uow.workspace.ensure(Workspace(id=workspace_id, name="Test", **stamps()))
