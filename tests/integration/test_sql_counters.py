"""The counters behind list totals, the pipeline and the dashboard (revision 0009).

Triggers keep ``record_counts`` and ``pipeline_totals`` in step with every write. These
tests compare them with a fresh count of the rows — written here, independently of
``counters.py`` — after random sequences of writes through the library, after writers
racing in one workspace, and after the migration filled them on a database that
already had rows; and they check that a list page really reads the counter.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import anyio
import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, insert, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pauhu_crm_adapters.sql import SqlStore, rebuild_counters
from pauhu_crm_adapters.sql.engine import create_sql_engine
from pauhu_crm_adapters.sql.migrate import upgrade
from pauhu_crm_adapters.sql.repositories.companies import company_values
from pauhu_crm_adapters.sql.repositories.contacts import contact_values
from pauhu_crm_adapters.sql.repositories.deals import deal_values
from pauhu_crm_adapters.sql.repositories.tasks import task_values
from pauhu_crm_adapters.sql.tables import companies, contacts, deals, tasks, workspaces
from pauhu_crm_core import CRM, CrmWorkspace, NotFound, Unavailable
from pauhu_crm_core.entities import (
    Company,
    Contact,
    Deal,
    DealStage,
    LifecycleStage,
    ScoreSegment,
    Task,
    TaskStatus,
)
from pauhu_crm_core.ports import ContactFilter, DealFilter, TaskFilter
from pauhu_crm_core.testing import FixedScorer, FrozenClock

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)

# Each facet the counters keep: (table, facet, the value as SQL, only rows where).
FACETS = (
    ("companies", "is_target_account", "CASE WHEN is_target_account THEN 'true' ELSE 'false' END"),
    ("contacts", "lifecycle_stage", "lifecycle_stage"),
    ("contacts", "score_segment", "coalesce(score_segment, '')"),
    ("contacts", "scored_lead_score", "CAST(lead_score AS TEXT)", "scored_at IS NOT NULL"),
    ("deals", "stage", "stage"),
    ("tasks", "status", "status"),
)

Counts = dict[tuple[str, str, str], int]
Pipeline = dict[str, tuple[int, int, int]]


async def recount(conn: AsyncConnection, workspace_id: str) -> tuple[Counts, Pipeline]:
    """Every counter of the workspace, counted afresh from its rows."""
    counts: Counts = {}
    ws = {"ws": workspace_id}
    for table in ("companies", "contacts", "deals", "tasks"):
        total = await conn.scalar(
            text(f"SELECT count(*) FROM {table} WHERE workspace_id = :ws"), ws
        )
        if total:
            counts[(table, "", "")] = total
    for table, facet, value, *where in FACETS:
        condition = f" AND {where[0]}" if where else ""
        result = await conn.execute(
            text(
                f"SELECT {value}, count(*) FROM {table} WHERE workspace_id = :ws{condition} "
                f"GROUP BY {value}"
            ),
            ws,
        )
        counts.update({(table, facet, str(v)): n for v, n in result})
    result = await conn.execute(
        text(
            "SELECT stage, count(*), sum(coalesce(amount_cents, 0)), "
            "sum(coalesce(amount_cents, 0) * coalesce(probability, 0)) "
            "FROM deals WHERE workspace_id = :ws GROUP BY stage"
        ),
        ws,
    )
    pipeline = {stage: (n, int(cents), int(weighted)) for stage, n, cents, weighted in result}
    return counts, pipeline


async def counters(conn: AsyncConnection, workspace_id: str) -> tuple[Counts, Pipeline]:
    """The workspace's counters as stored (rows at zero left out: they count nothing)."""
    ws = {"ws": workspace_id}
    result = await conn.execute(
        text(
            "SELECT resource, facet, value, count FROM record_counts "
            "WHERE workspace_id = :ws AND count <> 0"
        ),
        ws,
    )
    counts = {(resource, facet, value): n for resource, facet, value, n in result}
    result = await conn.execute(
        text(
            "SELECT stage, deal_count, total_cents, cents_times_percent FROM pipeline_totals "
            "WHERE workspace_id = :ws AND "
            "(deal_count <> 0 OR total_cents <> 0 OR cents_times_percent <> 0)"
        ),
        ws,
    )
    pipeline = {stage: (n, cents, weighted) for stage, n, cents, weighted in result}
    return counts, pipeline


async def assert_counters_exact(store: SqlStore, workspace_id: str) -> None:
    async with store.engine.connect() as conn:
        kept = await counters(conn, workspace_id)
        fresh = await recount(conn, workspace_id)
    assert kept == fresh


# -- random writes through the library


class Model:
    """The ids a random sequence of operations has created and not yet deleted."""

    def __init__(self) -> None:
        self.companies: list[str] = []
        self.contacts: list[str] = []
        self.deals: list[str] = []
        self.tasks: list[str] = []


def pick(ids: list[str], index: int) -> str | None:
    return ids[index % len(ids)] if ids else None


LIFECYCLE = st.sampled_from([s.value for s in LifecycleStage])
DEAL_STAGES = st.sampled_from([s.value for s in DealStage])
TASK_STATUSES = st.sampled_from([s.value for s in TaskStatus])
AMOUNTS = st.one_of(st.none(), st.integers(0, 10**7).map(lambda cents: f"{cents / 100:.2f}"))
PROBABILITIES = st.one_of(st.none(), st.integers(0, 100))
INDEX = st.integers(0, 50)

OPERATIONS = st.one_of(
    st.tuples(st.just("company"), st.booleans()),
    st.tuples(st.just("target"), INDEX, st.booleans()),
    st.tuples(st.just("delete_company"), INDEX),
    st.tuples(st.just("contact"), LIFECYCLE, INDEX),
    st.tuples(st.just("stage"), INDEX, LIFECYCLE),
    st.tuples(st.just("hand_score"), INDEX, st.integers(0, 100)),
    st.tuples(st.just("score_run"), st.booleans()),
    st.tuples(st.just("delete_contact"), INDEX),
    st.tuples(st.just("erase_contact"), INDEX),
    st.tuples(st.just("deal"), DEAL_STAGES, AMOUNTS, PROBABILITIES, INDEX),
    st.tuples(st.just("move_deal"), INDEX, DEAL_STAGES),
    st.tuples(st.just("price_deal"), INDEX, AMOUNTS, PROBABILITIES),
    st.tuples(st.just("delete_deal"), INDEX),
    st.tuples(st.just("task"), TASK_STATUSES, INDEX),
    st.tuples(st.just("task_status"), INDEX, TASK_STATUSES),
    st.tuples(st.just("delete_task"), INDEX),
)


async def apply(ws: CrmWorkspace, model: Model, operation: tuple[Any, ...]) -> None:
    kind, *args = operation
    n = len(model.contacts) + len(model.companies) + len(model.deals) + len(model.tasks)
    if kind == "company":
        model.companies.append(
            (await ws.companies.create(name=f"Yritys {n}", is_target_account=args[0])).id
        )
    elif kind == "target" and (company := pick(model.companies, args[0])):
        await ws.companies.update(company, is_target_account=args[1])
    elif kind == "delete_company" and (company := pick(model.companies, args[0])):
        await ws.companies.delete(company)
        model.companies.remove(company)
    elif kind == "contact":
        created = await ws.contacts.create(
            email=f"p{n}-{uuid.uuid4().hex[:6]}@example.eu",
            lifecycle_stage=args[0],
            company_id=pick(model.companies, args[1]),
        )
        model.contacts.append(created.id)
    elif kind == "stage" and (contact := pick(model.contacts, args[0])):
        await ws.contacts.update(contact, lifecycle_stage=args[1])
    elif kind == "hand_score" and (contact := pick(model.contacts, args[0])):
        await ws.contacts.update(contact, lead_score=args[1])
    elif kind == "score_run":
        await ws.score(rescore=args[0])
    elif kind in ("delete_contact", "erase_contact") and (contact := pick(model.contacts, args[0])):
        if kind == "delete_contact":
            await ws.contacts.delete(contact)
        else:
            await ws.contacts.erase(contact)
            # Erasure takes the contact's tasks with it.
            model.tasks = [t for t in model.tasks if await _exists(ws, t)]
        model.contacts.remove(contact)
    elif kind == "deal":
        stage, amount, probability, index = args
        deal = await ws.deals.create(
            name=f"Kauppa {n}",
            stage=stage,
            amount=amount,
            probability=probability,
            contact_id=pick(model.contacts, index),
        )
        model.deals.append(deal.id)
    elif kind == "move_deal" and (deal_id := pick(model.deals, args[0])):
        await ws.deals.update(deal_id, stage=args[1])
    elif kind == "price_deal" and (deal_id := pick(model.deals, args[0])):
        await ws.deals.update(deal_id, amount=args[1], probability=args[2])
    elif kind == "delete_deal" and (deal_id := pick(model.deals, args[0])):
        await ws.deals.delete(deal_id)
        model.deals.remove(deal_id)
    elif kind == "task":
        task = await ws.tasks.create(
            title=f"Soita {n}",
            status=args[0],
            due_date="2026-03-01",
            contact_id=pick(model.contacts, args[1]),
        )
        model.tasks.append(task.id)
    elif kind == "task_status" and (task_id := pick(model.tasks, args[0])):
        await ws.tasks.update(task_id, status=args[1])
    elif kind == "delete_task" and (task_id := pick(model.tasks, args[0])):
        await ws.tasks.delete(task_id)
        model.tasks.remove(task_id)


async def _exists(ws: CrmWorkspace, task_id: str) -> bool:
    try:
        await ws.tasks.get(task_id)
    except NotFound:
        return False
    return True


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=30))
async def test_counters_equal_a_recount_after_any_sequence_of_writes(
    store: SqlStore, clock: FrozenClock, operations: list[tuple[Any, ...]]
) -> None:
    workspace_id = f"ws-count-{uuid.uuid4().hex[:12]}"
    scorer = FixedScorer({None: 4}, default_points=16)  # 20 points alone, 80 with a company
    ws = CRM(store=store, clock=clock, scorer=scorer).workspace(workspace_id)
    model = Model()
    for operation in operations:
        await apply(ws, model, operation)

    await assert_counters_exact(store, workspace_id)
    # What the counters answer is what counting the rows answers.
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        unfiltered = await uow.contacts.find(ContactFilter(), limit=1, offset=0)
        assert unfiltered.total == len(model.contacts)
        for stage in DealStage:
            page = await uow.deals.find(DealFilter(stage=stage), limit=100, offset=0)
            assert page.total == len(page.items)
        for status in TaskStatus:
            page = await uow.tasks.find(TaskFilter(status=status), limit=100, offset=0)
            assert page.total == len(page.items)
        for segment in ScoreSegment:
            page = await uow.contacts.find(ContactFilter(segment=segment), limit=100, offset=0)
            assert page.total == len(page.items)
    # A rebuild from the rows changes nothing.
    async with store.engine.connect() as conn:
        before = await counters(conn, workspace_id)
    await rebuild_counters(store, workspace_id)
    async with store.engine.connect() as conn:
        assert await counters(conn, workspace_id) == before


async def test_the_pipeline_and_the_dashboard_match_a_recount(
    store: SqlStore, clock: FrozenClock, workspace_id: str
) -> None:
    ws = CRM(store=store, clock=clock, scorer=FixedScorer({None: 13})).workspace(workspace_id)
    for n, (stage, amount, probability) in enumerate(
        [("lead", "100.01", 33), ("lead", "0.05", 50), ("won", None, 10), ("won", "7", None)]
    ):
        await ws.deals.create(
            name=f"D{n}",
            stage="closed_won" if stage == "won" else stage,
            amount=amount,
            probability=probability,
        )
    for n in range(5):
        await ws.contacts.create(email=f"c{n}@example.eu")
    await ws.score()
    await ws.contacts.create(email="late@example.eu")
    async with store.engine.connect() as conn:
        _, pipeline = await recount(conn, workspace_id)
    summary = await ws.deals.pipeline()
    assert {s.stage.value: (s.count, s.total_amount_cents) for s in summary} == {
        stage: (n, cents) for stage, (n, cents, _) in pipeline.items()
    }
    # 10001 × 33 + 5 × 50 = 330283 → 3302.83 → 3303 cents, half up.
    assert [s.weighted_amount_cents for s in summary] == [3303, 0]
    dashboard = await ws.dashboard()
    assert dashboard.summary.unscored == 1
    assert dashboard.summary.average_score == 65.0  # five criteria at 13 points
    assert sum(dashboard.summary.segment_counts.values()) == 5


# -- writers racing in one workspace (PostgreSQL: SQLite runs one writer at a time)


async def test_racing_writers_keep_the_counters_exact_without_deadlocks(
    store: SqlStore, clock: FrozenClock, workspace_id: str
) -> None:
    crm = CRM(store=store, clock=clock)
    ws = crm.workspace(workspace_id)
    await ws.get()  # create the workspace first, so the writers only race on records
    stages = [s.value for s in DealStage]
    lifecycle = [s.value for s in LifecycleStage]

    async def writer(number: int) -> None:
        # A deadlock or any other error fails the task group, and so the test.
        mine: list[str] = []
        for step in range(12):
            # Each writer moves its deals through the stages in its own direction, so
            # that writers move rows between the same stages both ways at once.
            direction = 1 if number % 2 else -1
            stage = stages[(number + direction * step) % len(stages)]
            if step % 3 == 0 or not mine:
                deal = await ws.deals.create(
                    name=f"W{number}-{step}", stage=stage, amount="10.00", probability=20
                )
                mine.append(deal.id)
                await ws.contacts.create(
                    email=f"w{number}-{step}@example.eu",
                    lifecycle_stage=lifecycle[(number + step) % len(lifecycle)],
                )
            elif step % 5 == 0:
                await ws.deals.delete(mine.pop(0))
            else:
                await ws.deals.update(mine[step % len(mine)], stage=stage, probability=step)

    async with anyio.create_task_group() as group:
        for number in range(6):
            group.start_soon(writer, number)
    await assert_counters_exact(store, workspace_id)


async def test_a_write_chosen_as_a_deadlock_victim_is_unavailable_not_a_crash(
    store: SqlStore, clock: FrozenClock, workspace_id: str
) -> None:
    # PostgreSQL only (SQLite runs one writer at a time): a transaction outside the
    # store and a unit of work lock two contacts in opposite orders. The outside one
    # waits far longer before checking for deadlocks, so the unit of work is the victim.
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks")
    ws = CRM(store=store, clock=clock).workspace(workspace_id)
    first = await ws.contacts.create(email="first@example.eu")
    second = await ws.contacts.create(email="second@example.eu")
    lock = "UPDATE contacts SET title = 'x' WHERE workspace_id = :ws AND id = :id"
    replaced = anyio.Event()

    async def write() -> None:
        async with store.unit_of_work(workspace_id) as uow:
            await uow.contacts.replace(attrs.evolve(first, lifecycle_stage=LifecycleStage.MQL))
            replaced.set()
            await uow.contacts.delete(second.id)  # waits for the outside transaction

    async with store.engine.connect() as outside:
        await outside.execute(text("SET LOCAL deadlock_timeout = '30s'"))
        await outside.execute(text(lock), {"ws": workspace_id, "id": second.id})

        async def close_the_cycle() -> None:
            await replaced.wait()
            await outside.execute(text(lock), {"ws": workspace_id, "id": first.id})

        async with anyio.create_task_group() as group:
            group.start_soon(close_the_cycle)
            with pytest.raises(Unavailable, match="try again"):
                await write()
        await outside.rollback()
    await assert_counters_exact(store, workspace_id)


# -- a list page reads its total from the counter


@contextmanager
def statements_of(engine: AsyncEngine) -> Iterator[list[tuple[str, Any]]]:
    """The statements the engine executes in the block, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)


def counts_rows(statements: list[tuple[str, Any]], table: str) -> bool:
    flat = [" ".join(statement.split()) + " " for statement, _ in statements]
    return any("count(*)" in s and f"FROM {table} " in s for s in flat)


@pytest.mark.parametrize(
    ("list_page", "table", "counted"),
    [
        pytest.param(lambda ws: ws.contacts.list(), "contacts", False, id="contacts"),
        pytest.param(
            lambda ws: ws.contacts.list(stage="lead"), "contacts", False, id="contacts-by-stage"
        ),
        pytest.param(
            lambda ws: ws.contacts.list(segment="hot"), "contacts", False, id="contacts-by-segment"
        ),
        pytest.param(lambda ws: ws.companies.list(), "companies", False, id="companies"),
        pytest.param(
            lambda ws: ws.companies.list(target=True), "companies", False, id="target-companies"
        ),
        pytest.param(lambda ws: ws.deals.list(stage="lead"), "deals", False, id="deals-by-stage"),
        pytest.param(lambda ws: ws.tasks.list(status="todo"), "tasks", False, id="tasks-by-status"),
        # Filters without a counter are counted, as before.
        pytest.param(
            lambda ws: ws.contacts.list(owner_id="sanna"), "contacts", True, id="contacts-by-owner"
        ),
        pytest.param(
            lambda ws: ws.contacts.list(stage="lead", segment="hot"),
            "contacts",
            True,
            id="two-facets",
        ),
        pytest.param(lambda ws: ws.tasks.list(overdue=True), "tasks", True, id="overdue-tasks"),
        pytest.param(lambda ws: ws.activities.list(), "activities", True, id="activities"),
    ],
)
async def test_a_list_reads_its_total_from_the_counter_when_one_holds_it(
    store: SqlStore,
    clock: FrozenClock,
    workspace_id: str,
    list_page: Any,
    table: str,
    counted: bool,
) -> None:
    ws = CRM(store=store, clock=clock).workspace(workspace_id)
    await ws.contacts.create(email="sanna@example.eu", owner_id="sanna", last_name="Virtanen")
    with statements_of(store.engine) as statements:
        page = await list_page(ws)
    assert counts_rows(statements, table) is counted, statements
    assert any("record_counts" in s for s, _ in statements) is not counted, statements
    assert page.total == len(page.items)


async def test_a_search_is_counted_in_the_search_index_on_sqlite_and_in_the_rows_otherwise(
    store: SqlStore, clock: FrozenClock, workspace_id: str
) -> None:
    ws = CRM(store=store, clock=clock).workspace(workspace_id)
    await ws.contacts.create(email="sanna@example.eu", last_name="Virtanen")
    with statements_of(store.engine) as statements:
        page = await ws.contacts.list(q="virtanen")
    sqlite = store.engine.dialect.name == "sqlite"
    assert counts_rows(statements, "contacts") is not sqlite, statements
    assert counts_rows(statements, "contacts_fts") is sqlite, statements
    assert page.total == len(page.items) == 1


async def test_the_overdue_list_reads_the_open_tasks_index(
    store: SqlStore, clock: FrozenClock, workspace_id: str
) -> None:
    ws = CRM(store=store, clock=clock).workspace(workspace_id)
    for day, status in [("2026-03-01", "todo"), ("2026-03-02", "done"), ("2026-03-20", "todo")]:
        await ws.tasks.create(title="T", due_date=day, status=status)
    await ws.tasks.create(title="Undated")
    with statements_of(store.engine) as statements:
        page = await ws.tasks.list(overdue=True)
    assert [t.due_date.isoformat() for t in page.items if t.due_date] == ["2026-03-01"]
    assert page.total == 1
    # The page and its count (the workspace's time zone, for "today", is read first).
    selects = [(s, p) for s, p in statements if s.lstrip().startswith("SELECT") and "tasks" in s]
    assert len(selects) == 2
    async with store.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if not sqlite:  # a near-empty table is cheapest to scan; forbid it to see the index
            await conn.execute(text("SET LOCAL enable_seqscan = off"))
        explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
        for statement, parameters in selects:
            result = await conn.exec_driver_sql(explain + statement, parameters)
            plan = "\n".join(" ".join(str(part) for part in row) for row in result)
            print(f"\n{conn.dialect.name} overdue plan:\n{plan}")
            assert "ix_tasks_open_due" in plan, plan
            assert ("TEMP B-TREE" if sqlite else "Sort") not in plan, plan
        await conn.rollback()


# -- the migration fills the counters of rows that were there before it


async def test_the_migration_counts_the_rows_already_there(fresh_database_url: str) -> None:
    engine = create_sql_engine(fresh_database_url)
    try:
        await upgrade(engine, "0008_sqlite_planner_statistics")
        await _insert_old_rows(engine)
        await upgrade(engine)
        store = SqlStore(engine)
        for workspace_id in ("ws-old-1", "ws-old-2"):
            async with engine.connect() as conn:
                kept, pipeline = await counters(conn, workspace_id)
                assert (kept, pipeline) == await recount(conn, workspace_id)
            assert kept[("contacts", "", "")] == 12
            async with store.unit_of_work(workspace_id, read_only=True) as uow:
                page = await uow.contacts.find(ContactFilter(stage="mql"), limit=50, offset=0)
                assert page.total == len(page.items) == 3
                [won] = [s for s in await uow.deals.pipeline() if s.stage is DealStage.CLOSED_WON]
                assert won.count == 2
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM record_counts")) > 0
    finally:
        await engine.dispose()


async def _insert_old_rows(engine: AsyncEngine) -> None:
    stamps = {"created_at": T0, "updated_at": T0}
    async with engine.begin() as conn:
        for workspace_id in ("ws-old-1", "ws-old-2"):
            ws = {"workspace_id": workspace_id}
            await conn.execute(
                insert(workspaces).values(
                    id=workspace_id, name="Old", timezone="UTC", auto_enroll=True, **stamps
                )
            )
            company = Company(id="co-1", name="Vanha Oy", is_target_account=True, **stamps)
            await conn.execute(insert(companies).values(ws | company_values(company)))
            people = [
                Contact(
                    id=f"c-{n}",
                    email=f"c{n}@vanha.fi",
                    lifecycle_stage=LifecycleStage.MQL if n % 4 == 0 else LifecycleStage.LEAD,
                    lead_score=10 * n,
                    score_segment=ScoreSegment.WARM if n % 2 else None,
                    scored_at=T0 if n % 2 else None,
                    **stamps,
                )
                for n in range(12)
            ]
            await conn.execute(insert(contacts), [ws | contact_values(p) for p in people])
            sold = [
                Deal(
                    id=f"d-{n}",
                    name="Kauppa",
                    stage=DealStage.CLOSED_WON if n < 2 else DealStage.LEAD,
                    amount_cents=1001 * n,
                    probability=None if n == 3 else 30,
                    **stamps,
                )
                for n in range(5)
            ]
            await conn.execute(insert(deals), [ws | deal_values(d) for d in sold])
            todo = [
                Task(
                    id=f"t-{n}",
                    title="T",
                    status=TaskStatus.DONE if n else TaskStatus.TODO,
                    **stamps,
                )
                for n in range(3)
            ]
            await conn.execute(insert(tasks), [ws | task_values(t) for t in todo])
