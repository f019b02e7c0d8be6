"""SQLite's plans for the pages that must stay fast in a big workspace (revisions 0007, 0008,
0010).

Each case captures the statements a repository call executes (SQLAlchemy's
``before_cursor_execute``) and asks SQLite for their plans with ``EXPLAIN QUERY
PLAN``. On an empty database the plans come from the planner statistics the
migration ships, which are the plans a big install gets too. Without those
statistics, or without the list's order at the end of the filter index, these
plans change (a search walks the whole workspace; a contact's activities are
read from the workspace-wide index and filtered), and the assertions name the
plan that was chosen instead. Nothing is timed.

PostgreSQL plans from its own measured statistics, which an empty table does
not exercise; the benchmark (``bench/``) measures it at size.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from pauhu_crm_adapters.sql import SqlStore, open_sql_store
from pauhu_crm_adapters.sql.repositories import base
from pauhu_crm_core.entities import Contact, Workspace
from pauhu_crm_core.ports import ActivityFilter, ContactFilter, DealFilter, UnitOfWork

pytestmark = pytest.mark.anyio

WORKSPACE = "ws-plans"

Call = Callable[[UnitOfWork], Awaitable[Any]]


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    opened = await open_sql_store(f"sqlite:///{tmp_path / 'plans.db'}")
    try:
        yield opened
    finally:
        await opened.aclose()


async def plans_of_each(store: SqlStore, call: Call) -> list[list[str]]:
    """The plan lines of each SELECT ``call`` runs against the store, in order."""
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    sync_engine = store.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", capture)
    try:
        async with store.unit_of_work(WORKSPACE) as uow:
            await call(uow)
    finally:
        event.remove(sync_engine, "before_cursor_execute", capture)
    plans: list[list[str]] = []
    async with store.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        for statement, parameters in statements:
            cursor = await raw.driver_connection.execute(  # type: ignore[union-attr]
                "EXPLAIN QUERY PLAN " + statement, parameters
            )
            plans.append([row[3] for row in await cursor.fetchall()])
    return plans


async def plans_of(store: SqlStore, call: Call) -> list[str]:
    """The plan lines of every SELECT ``call`` runs against the store, in order."""
    return [line for plan in await plans_of_each(store, call) for line in plan]


async def test_the_statistics_are_in_place(sqlite_store: SqlStore) -> None:
    async with sqlite_store.engine.connect() as conn:
        stat = await conn.scalar(
            text("SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_activities_contact'")
        )
    assert stat == "2000000 500000 4 1 1"


async def add_searchable_people(store: SqlStore, count: int) -> None:
    """``count`` contacts named Quartermaine in the plans' workspace."""
    at = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    async with store.unit_of_work(WORKSPACE) as uow:
        await uow.workspace.ensure(
            Workspace(id=WORKSPACE, name="Plans", created_at=at, updated_at=at)
        )
        for n in range(count):
            await uow.contacts.add(
                Contact(id=f"q{n}", last_name="Quartermaine", created_at=at, updated_at=at)
            )
        await uow.commit()


def search(uow: UnitOfWork) -> Awaitable[Any]:
    return uow.contacts.find(ContactFilter(search="quartermaine"), limit=50, offset=0)


async def test_a_search_is_counted_in_the_search_index_alone(sqlite_store: SqlStore) -> None:
    await add_searchable_people(sqlite_store, 3)
    [count_plan, *_] = await plans_of_each(sqlite_store, search)
    assert "SCAN contacts_fts VIRTUAL TABLE INDEX 0:M1><" in count_plan, count_plan
    # The workspace is the FTS rowid range (M1 and its bounds ><), not a test of each row.
    assert not any(" contacts " in f" {line} " for line in count_plan), count_plan


async def test_few_matches_are_read_by_rowid_and_sorted(sqlite_store: SqlStore) -> None:
    await add_searchable_people(sqlite_store, 3)
    *_, page_plan = await plans_of_each(sqlite_store, search)
    assert "SEARCH contacts USING INTEGER PRIMARY KEY (rowid=?)" in page_plan, page_plan
    assert not any("ix_contacts_created" in line for line in page_plan), page_plan


async def test_many_matches_are_found_by_walking_the_list_order(
    sqlite_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "reads_the_matches", lambda *_: False)
    await add_searchable_people(sqlite_store, 3)
    *_, page_plan = await plans_of_each(sqlite_store, search)
    assert "SEARCH contacts USING INDEX ix_contacts_created (workspace_id=?)" in page_plan
    assert not any("TEMP B-TREE" in line for line in page_plan), page_plan


@pytest.mark.parametrize(
    ("call", "index"),
    [
        (
            lambda uow: uow.activities.latest(ActivityFilter(contact_id="c1"), limit=50),
            "ix_activities_contact",
        ),
        (
            lambda uow: uow.activities.latest(ActivityFilter(company_id="co1"), limit=50),
            "ix_activities_company",
        ),
        (lambda uow: uow.deals.latest(DealFilter(contact_id="c1"), limit=50), "ix_deals_contact"),
        (lambda uow: uow.deals.latest(DealFilter(company_id="co1"), limit=50), "ix_deals_company"),
        (
            lambda uow: uow.contacts.latest(ContactFilter(company_id="co1"), limit=50),
            "ix_contacts_company",
        ),
        (
            lambda uow: uow.contacts.find(ContactFilter(stage="lead"), limit=50, offset=0),
            "ix_contacts_stage",
        ),
    ],
    ids=[
        "contact-activities",
        "company-activities",
        "contact-deals",
        "company-deals",
        "company-contacts",
        "contacts-by-stage",
    ],
)
async def test_a_filtered_list_reads_its_index_in_order(
    sqlite_store: SqlStore, call: Call, index: str
) -> None:
    plan = await plans_of(sqlite_store, call)
    page_plan = plan[0]
    assert page_plan.startswith("SEARCH"), plan
    assert f"INDEX {index} (" in page_plan, plan
    # The index ends with the list's order, so no sort step follows.
    assert not any("TEMP B-TREE" in line for line in plan), plan


async def test_a_detail_list_is_not_counted(sqlite_store: SqlStore) -> None:
    plan = await plans_of(
        sqlite_store,
        lambda uow: uow.activities.latest(ActivityFilter(contact_id="c1"), limit=50),
    )
    assert len(plan) == 1, plan
