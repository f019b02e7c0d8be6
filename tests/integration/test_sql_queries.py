"""Searching, filtering, ordering, paging and the pipeline of the SQL store, on both backends."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from pauhu_crm_adapters.sql import SqlStore, rebuild_search_index
from pauhu_crm_core.entities import (
    Activity,
    ActivityType,
    Company,
    Contact,
    Deal,
    DealStage,
    IcpTier,
    LifecycleStage,
    PipelineStage,
    ScoreSegment,
    Task,
    TaskStatus,
    Workspace,
)
from pauhu_crm_core.ports import (
    ActivityFilter,
    CompanyFilter,
    ContactFilter,
    DealFilter,
    TaskFilter,
)
from pauhu_crm_core.search import contact_search_text, search_term

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
TODAY = date(2026, 3, 7)


def stamps(minutes: int = 0, **fields: Any) -> dict[str, Any]:
    at = T0 + timedelta(minutes=minutes)
    return {"created_at": at, "updated_at": at, **fields}


async def add_all(store: SqlStore, workspace_id: str, *records: Any) -> None:
    async with store.unit_of_work(workspace_id) as uow:
        await uow.workspace.ensure(Workspace(id=workspace_id, name="Test", **stamps()))
        for record in records:
            repository = {
                Company: uow.companies,
                Contact: uow.contacts,
                Deal: uow.deals,
                Activity: uow.activities,
                Task: uow.tasks,
            }[type(record)]
            await repository.add(record)
        await uow.commit()


def ids(records: Sequence[Any]) -> list[str]:
    return [record.id for record in records]


# -- search -------------------------------------------------------------------------------------


async def search_contacts(store: SqlStore, workspace_id: str, q: str, **filters: Any) -> list[str]:
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        page = await uow.contacts.find(
            ContactFilter(search=search_term(q), **filters), limit=100, offset=0
        )
    assert page.total == len(page.items)
    return sorted(ids(page.items))


@pytest.fixture
async def people(store: SqlStore, workspace_id: str) -> None:
    await add_all(
        store,
        workspace_id,
        Contact(id="aijala", first_name="Matti", last_name="Äijälä", **stamps()),
        Contact(id="nikola", first_name="Nikola", last_name="Tesla", **stamps()),
        Contact(
            id="sanna",
            email="sanna.virtanen@dvv.fi",
            first_name="Sanna",
            last_name="Virtanen",
            lifecycle_stage=LifecycleStage.LEAD,
            **stamps(),
        ),
        Contact(id="percent", first_name="50% off", **stamps()),
        Contact(id="fifty", first_name="500 off", **stamps()),
        Contact(id="snake", email="snake_case@example.eu", **stamps()),
        Contact(id="camel", email="snakeXcase@example.eu", **stamps()),
        Contact(id="quote", first_name='Say "hi"', last_name="back\\slash", **stamps()),
    )


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        pytest.param("äijä", ["aijala"], id="non-ascii-lower-finds-upper"),
        pytest.param("ÄIJÄLÄ", ["aijala"], id="non-ascii-upper"),
        pytest.param("OLA", ["nikola"], id="ascii-case-insensitive"),
        pytest.param("sanna virtanen", ["sanna"], id="first-and-last-name"),
        pytest.param("  Sanna   VIRTANEN ", ["sanna"], id="whitespace-normalised"),
        pytest.param("virtanen@dvv", ["sanna"], id="email"),
        pytest.param("%", ["percent"], id="percent-is-literal"),
        pytest.param("0%", ["percent"], id="percent-in-two-characters"),
        pytest.param("50% off", ["percent"], id="percent-in-a-long-term"),
        pytest.param("_", ["snake"], id="underscore-is-literal"),
        pytest.param("e_c", ["snake"], id="underscore-in-an-indexed-term"),
        pytest.param('"hi"', ["quote"], id="double-quotes-are-data"),
        pytest.param("k\\s", ["quote"], id="backslash-is-data"),
        pytest.param("k", ["nikola", "quote", "snake", "camel"], id="one-character"),
        pytest.param("äi", ["aijala"], id="two-characters"),
        pytest.param("nikola tesla sanna", [], id="no-match"),
        pytest.param("dvv.fi sanna", [], id="never-across-fields"),
    ],
)
async def test_contact_search_is_a_caseless_literal_substring_match(
    store: SqlStore, workspace_id: str, q: str, expected: list[str]
) -> None:
    assert await search_contacts(store, workspace_id, q) == sorted(expected)


async def test_search_agrees_with_a_plain_substring_test_on_tricky_text(
    store: SqlStore, workspace_id: str
) -> None:
    alphabet = ["a", "A", "ä", "Ä", "ß", "s", "%", "_", "\\", '"', " ", "-", "ﬁ", "I", "ı", "é"]
    chooser = random.Random(20260307)
    names = ["".join(chooser.choices(alphabet, k=chooser.randint(1, 9))) for _ in range(40)]
    contacts = [Contact(id=f"c-{i}", first_name=name, **stamps()) for i, name in enumerate(names)]
    await add_all(store, workspace_id, *contacts)
    texts = {contact.id: contact_search_text(contact) for contact in contacts}
    for _ in range(60):
        name = chooser.choice(names)
        start = chooser.randrange(len(name))
        q = name[start : start + chooser.randint(1, 5)]
        term = search_term(q)
        if term is None:
            continue
        expected = sorted(id for id, text in texts.items() if term in text)
        assert await search_contacts(store, workspace_id, q) == expected, q


@pytest.mark.usefixtures("people")
async def test_search_combines_with_the_other_filters(store: SqlStore, workspace_id: str) -> None:
    assert await search_contacts(store, workspace_id, "an") == ["sanna"]
    assert await search_contacts(store, workspace_id, "an", stage=LifecycleStage.LEAD) == ["sanna"]
    assert await search_contacts(store, workspace_id, "nikola", stage=LifecycleStage.LEAD) == []


@pytest.mark.usefixtures("people")
async def test_search_follows_replaced_and_deleted_contacts(
    store: SqlStore, workspace_id: str
) -> None:
    async with store.unit_of_work(workspace_id) as uow:
        await uow.contacts.replace(Contact(id="nikola", first_name="Nikolai", **stamps()))
        await uow.contacts.delete("aijala")
        await uow.contacts.touch_last_activity("sanna", T0)
        await uow.commit()
    assert await search_contacts(store, workspace_id, "tesla") == []
    assert await search_contacts(store, workspace_id, "nikolai") == ["nikola"]
    assert await search_contacts(store, workspace_id, "äijälä") == []
    assert await search_contacts(store, workspace_id, "virtanen") == ["sanna"]


@pytest.mark.usefixtures("people")
async def test_search_works_after_the_search_index_is_rebuilt(
    store: SqlStore, workspace_id: str
) -> None:
    if store.engine.dialect.name == "sqlite":
        # Simulate rowids renumbered by VACUUM: the FTS table no longer matches its base.
        async with store.engine.begin() as conn:
            await conn.exec_driver_sql(
                "INSERT INTO contacts_fts(contacts_fts) VALUES ('delete-all')"
            )
        assert await search_contacts(store, workspace_id, "virtanen") == []
    await rebuild_search_index(store)
    assert await search_contacts(store, workspace_id, "virtanen") == ["sanna"]


async def test_company_search_matches_name_or_domain(store: SqlStore, workspace_id: str) -> None:
    await add_all(
        store,
        workspace_id,
        Company(id="dvv", name="Digi- ja väestötietovirasto", domain="dvv.fi", **stamps()),
        Company(id="vero", name="Verohallinto", domain="vero.fi", **stamps()),
    )
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        by_domain = await uow.companies.find(
            CompanyFilter(search=search_term("DVV.FI")), limit=10, offset=0
        )
        by_name = await uow.companies.find(
            CompanyFilter(search=search_term("VÄESTÖ")), limit=10, offset=0
        )
        both = await uow.companies.find(
            CompanyFilter(search=search_term(".fi")), limit=10, offset=0
        )
    assert ids(by_domain.items) == ["dvv"]
    assert ids(by_name.items) == ["dvv"]
    assert both.total == 2


# -- filters, ordering and pages ----------------------------------------------------------------


async def test_lists_are_newest_first_with_the_id_breaking_ties_and_paged_with_a_total(
    store: SqlStore, workspace_id: str
) -> None:
    # Ids in creation order, but c-3 and c-4 were created at the same instant.
    minutes = {"c-0": 0, "c-1": 1, "c-2": 2, "c-3": 3, "c-4": 3}
    await add_all(
        store,
        workspace_id,
        *(Contact(id=id, **stamps(at)) for id, at in minutes.items()),
        *(Company(id=id.replace("c", "co"), **stamps(at)) for id, at in minutes.items()),
        *(Deal(id=id.replace("c", "d"), **stamps(at)) for id, at in minutes.items()),
    )
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        contacts = await uow.contacts.find(ContactFilter(), limit=2, offset=1)
        companies = await uow.companies.find(CompanyFilter(), limit=10, offset=0)
        deals = await uow.deals.find(DealFilter(), limit=2, offset=4)
        beyond = await uow.contacts.find(ContactFilter(), limit=10, offset=10)
    assert (ids(contacts.items), contacts.total, contacts.limit, contacts.offset) == (
        ["c-3", "c-2"],
        5,
        2,
        1,
    )
    assert ids(companies.items) == ["co-4", "co-3", "co-2", "co-1", "co-0"]
    assert (ids(deals.items), deals.total) == (["d-0"], 5)
    assert (ids(beyond.items), beyond.total) == ([], 5)


async def test_activities_are_listed_by_occurrence_newest_first(
    store: SqlStore, workspace_id: str
) -> None:
    await add_all(
        store,
        workspace_id,
        Activity(id="a-1", occurred_at=T0 - timedelta(days=3), **stamps(0)),
        Activity(id="a-2", occurred_at=T0, **stamps(-10)),
        Activity(id="a-3", occurred_at=T0 - timedelta(days=1), **stamps(10)),
        Activity(id="a-4", occurred_at=T0, **stamps(-20)),
    )
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        page = await uow.activities.find(ActivityFilter(), limit=10, offset=0)
    assert ids(page.items) == ["a-4", "a-2", "a-3", "a-1"]


async def test_tasks_are_listed_by_due_date_with_undated_ones_last(
    store: SqlStore, workspace_id: str
) -> None:
    await add_all(
        store,
        workspace_id,
        Task(id="t-undated", title="t", **stamps(0)),
        Task(id="t-later", title="t", due_date=TODAY + timedelta(days=5), **stamps(1)),
        Task(id="t-soon-b", title="t", due_date=TODAY, **stamps(3)),
        Task(id="t-soon-a", title="t", due_date=TODAY, **stamps(2)),
        Task(id="t-past", title="t", due_date=TODAY - timedelta(days=400), **stamps(4)),
    )
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        page = await uow.tasks.find(TaskFilter(), limit=10, offset=0)
    assert ids(page.items) == ["t-past", "t-soon-a", "t-soon-b", "t-later", "t-undated"]


async def test_the_overdue_view_holds_open_tasks_due_before_the_day(
    store: SqlStore, workspace_id: str
) -> None:
    yesterday = TODAY - timedelta(days=1)
    await add_all(
        store,
        workspace_id,
        Task(id="todo-late", title="t", due_date=yesterday, **stamps(0)),
        Task(
            id="doing-late",
            title="t",
            due_date=yesterday,
            status=TaskStatus.IN_PROGRESS,
            **stamps(1),
        ),
        Task(id="done-late", title="t", due_date=yesterday, status=TaskStatus.DONE, **stamps(2)),
        Task(id="due-today", title="t", due_date=TODAY, **stamps(3)),
        Task(id="undated", title="t", **stamps(4)),
    )
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        page = await uow.tasks.find(TaskFilter(due_before=TODAY), limit=10, offset=0)
        assigned = await uow.tasks.find(
            TaskFilter(due_before=TODAY, status=TaskStatus.IN_PROGRESS), limit=10, offset=0
        )
    assert (ids(page.items), page.total) == (["todo-late", "doing-late"], 2)
    assert ids(assigned.items) == ["doing-late"]


async def test_every_list_filter_selects_its_records(store: SqlStore, workspace_id: str) -> None:
    company = Company(
        id="co-a",
        industry="Government",
        country="FI",
        icp_tier=IcpTier.TIER_1,
        is_target_account=True,
        **stamps(),
    )
    other = Company(id="co-b", industry="Retail", country="SE", **stamps())
    contact = Contact(
        id="c-a",
        company_id=company.id,
        owner_id="u-1",
        lifecycle_stage=LifecycleStage.SQL,
        score_segment=ScoreSegment.WARM,
        **stamps(),
    )
    deal = Deal(
        id="d-a",
        company_id=company.id,
        contact_id=contact.id,
        stage=DealStage.PROPOSAL,
        owner_id="u-1",
        **stamps(),
    )
    activity = Activity(
        id="a-a",
        contact_id=contact.id,
        company_id=company.id,
        deal_id=deal.id,
        type=ActivityType.CALL,
        occurred_at=T0,
        **stamps(),
    )
    task = Task(
        id="t-a",
        title="t",
        contact_id=contact.id,
        company_id=company.id,
        deal_id=deal.id,
        status=TaskStatus.IN_PROGRESS,
        assigned_to="u-1",
        **stamps(),
    )
    await add_all(
        store,
        workspace_id,
        company,
        other,
        contact,
        Contact(id="c-b", **stamps()),
        deal,
        Deal(id="d-b", **stamps()),
        activity,
        Activity(id="a-b", occurred_at=T0, **stamps()),
        task,
        Task(id="t-b", title="t", **stamps()),
    )
    cases: list[tuple[str, Any]] = [
        ("co-a", CompanyFilter(target=True)),
        ("co-b", CompanyFilter(target=False)),
        ("co-a", CompanyFilter(icp_tier=IcpTier.TIER_1)),
        ("co-a", CompanyFilter(industry="Government")),
        ("co-b", CompanyFilter(country="SE")),
        ("c-a", ContactFilter(stage=LifecycleStage.SQL)),
        ("c-a", ContactFilter(company_id="co-a")),
        ("c-a", ContactFilter(owner_id="u-1")),
        ("c-a", ContactFilter(segment=ScoreSegment.WARM)),
        ("d-a", DealFilter(stage=DealStage.PROPOSAL)),
        ("d-a", DealFilter(company_id="co-a")),
        ("d-a", DealFilter(contact_id="c-a")),
        ("d-a", DealFilter(owner_id="u-1")),
        ("a-a", ActivityFilter(contact_id="c-a")),
        ("a-a", ActivityFilter(company_id="co-a")),
        ("a-a", ActivityFilter(deal_id="d-a")),
        ("a-a", ActivityFilter(type=ActivityType.CALL)),
        ("t-a", TaskFilter(status=TaskStatus.IN_PROGRESS)),
        ("t-a", TaskFilter(assigned_to="u-1")),
        ("t-a", TaskFilter(contact_id="c-a")),
        ("t-a", TaskFilter(company_id="co-a")),
        ("t-a", TaskFilter(deal_id="d-a")),
    ]
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        repositories: dict[type, Any] = {
            CompanyFilter: uow.companies,
            ContactFilter: uow.contacts,
            DealFilter: uow.deals,
            ActivityFilter: uow.activities,
            TaskFilter: uow.tasks,
        }
        for expected, filter in cases:
            page = await repositories[type(filter)].find(filter, limit=10, offset=0)
            assert (ids(page.items), page.total) == ([expected], 1), filter


# -- pipeline -----------------------------------------------------------------------------------


async def test_the_pipeline_sums_exact_cents_per_stage_in_stage_order(
    store: SqlStore, workspace_id: str
) -> None:
    big = 2**53 + 1
    await add_all(
        store,
        workspace_id,
        # 0.10 + 0.20 EUR is exactly 0.30 EUR.
        Deal(id="p-1", stage=DealStage.PROPOSAL, amount_cents=10, probability=50, **stamps()),
        Deal(id="p-2", stage=DealStage.PROPOSAL, amount_cents=20, probability=50, **stamps()),
        # 1.01 EUR at 50 % is 50.5 cents: rounded half up to 51.
        Deal(id="q-1", stage=DealStage.QUALIFIED, amount_cents=101, probability=50, **stamps()),
        # No probability counts as 0 %, no amount as 0.
        Deal(id="l-1", stage=DealStage.LEAD, amount_cents=500, **stamps()),
        Deal(id="l-2", stage=DealStage.LEAD, probability=90, **stamps()),
        # Past float precision.
        Deal(id="w-1", stage=DealStage.CLOSED_WON, amount_cents=big, probability=100, **stamps()),
        Deal(id="w-2", stage=DealStage.CLOSED_WON, amount_cents=big, probability=100, **stamps()),
    )
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        pipeline = await uow.deals.pipeline()
    assert list(pipeline) == [
        PipelineStage(
            stage=DealStage.LEAD, count=2, total_amount_cents=500, weighted_amount_cents=0
        ),
        PipelineStage(
            stage=DealStage.QUALIFIED, count=1, total_amount_cents=101, weighted_amount_cents=51
        ),
        PipelineStage(
            stage=DealStage.PROPOSAL, count=2, total_amount_cents=30, weighted_amount_cents=15
        ),
        PipelineStage(
            stage=DealStage.CLOSED_WON,
            count=2,
            total_amount_cents=2 * big,
            weighted_amount_cents=2 * big,
        ),
    ]
    assert str(pipeline[2].total_amount) == "0.30"


async def test_an_empty_workspace_has_an_empty_pipeline(store: SqlStore, workspace_id: str) -> None:
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert await uow.deals.pipeline() == []


def test_weighted_amounts_round_half_up() -> None:
    from decimal import Decimal

    from pauhu_crm_adapters.sql.repositories.deals import weighted_cents

    assert weighted_cents(None) == 0
    assert weighted_cents(49) == 0
    assert weighted_cents(50) == 1
    assert weighted_cents(Decimal(149)) == 1
    assert weighted_cents(Decimal(150)) == 2
    assert weighted_cents(10**22 + 50) == 10**20 + 1
