"""Migrations, the schema they build, the plans of the search, the due query and the scoring
reads, and URL handling."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import anyio
import attrs
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, insert, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pauhu_crm_adapters.sql import SqlJobsUnitOfWork, SqlStore, SqlUnitOfWork
from pauhu_crm_adapters.sql.engine import create_sql_engine
from pauhu_crm_adapters.sql.migrate import alembic_config, upgrade
from pauhu_crm_adapters.sql.repositories.contacts import contact_values
from pauhu_crm_adapters.sql.repositories.enrollments import enrollment_values
from pauhu_crm_adapters.sql.repositories.sequences import sequence_values
from pauhu_crm_adapters.sql.search import search_condition
from pauhu_crm_adapters.sql.tables import (
    contacts,
    enrollments,
    job_runs,
    metadata,
    sequences,
    workspaces,
)
from pauhu_crm_adapters.sql.urls import async_url
from pauhu_crm_core.entities import (
    Contact,
    EmailSequence,
    Enrollment,
    JobRun,
    SequenceStep,
)
from pauhu_crm_core.scoring import CriterionScore, ScoreRecord, segment_for_score

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()
CRM_TABLES = {"workspaces", "companies", "contacts", "deals", "activities", "tasks", "api_keys"}
SEQUENCE_TABLES = {"sequences", "enrollments", "deliveries", "outbox", "app_secrets"}
SCORING_TABLES = {"score_history"}
JOB_TABLES = {"job_runs"}
PRIVACY_TABLES = {"suppressions", "audit_log"}  # 0005 -> 0006: see test_sql_privacy.py
ALL_TABLES = CRM_TABLES | SEQUENCE_TABLES | SCORING_TABLES | JOB_TABLES | PRIVACY_TABLES


@pytest.fixture
async def fresh_engine(fresh_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_sql_engine(fresh_database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_upgrade_creates_the_schema_and_running_it_again_changes_nothing(
    fresh_engine: AsyncEngine,
) -> None:
    assert await current_revision(fresh_engine) is None
    await upgrade(fresh_engine)
    assert await current_revision(fresh_engine) == HEAD
    created = await table_names(fresh_engine)
    assert created >= ALL_TABLES
    await upgrade(fresh_engine)
    assert await current_revision(fresh_engine) == HEAD
    assert await table_names(fresh_engine) == created


async def test_processes_migrating_at_once_migrate_once(fresh_database_url: str) -> None:
    # Two engines on one empty database, like two processes starting at the same time.
    engines = [create_sql_engine(fresh_database_url) for _ in range(2)]
    try:
        async with anyio.create_task_group() as group:
            for engine in engines:
                group.start_soon(upgrade, engine)
        assert await current_revision(engines[0]) == HEAD
    finally:
        for engine in engines:
            await engine.dispose()


async def test_downgrade_removes_everything_and_upgrade_rebuilds_it(
    fresh_engine: AsyncEngine,
) -> None:
    await upgrade(fresh_engine)

    def downgrade(sync: Connection) -> None:
        command.downgrade(alembic_config(sync), "base")

    async with fresh_engine.begin() as conn:
        await conn.run_sync(downgrade)
    assert not (await table_names(fresh_engine)) & ALL_TABLES
    await upgrade(fresh_engine)
    assert await table_names(fresh_engine) >= ALL_TABLES


async def test_a_database_upgrades_one_revision_at_a_time_keeping_its_rows(
    fresh_engine: AsyncEngine,
) -> None:
    await upgrade(fresh_engine, "0001_initial")
    assert "api_keys" not in await table_names(fresh_engine)
    async with fresh_engine.begin() as conn:
        sqlite = conn.dialect.name == "sqlite"
        at: Any = "2026-03-07T10:00:00.000000Z" if sqlite else T0
        await conn.execute(
            text(
                "INSERT INTO workspaces (id, name, timezone, auto_enroll, created_at, updated_at) "
                "VALUES ('ws-old', 'Old', 'Europe/Helsinki', true, :at, :at)"
            ),
            {"at": at},
        )
        await conn.execute(
            text(
                "INSERT INTO contacts (workspace_id, id, lifecycle_stage, lead_score, tags, "
                "custom_fields, created_at, updated_at, search_text) VALUES "
                "('ws-old', 'c-old', 'lead', 0, '[]', '{}', :at, :at, '')"
            ),
            {"at": at},
        )

    await upgrade(fresh_engine, "0002_api_keys")
    assert await current_revision(fresh_engine) == "0002_api_keys"
    assert "api_keys" in await table_names(fresh_engine)
    assert not (await table_names(fresh_engine)) & SEQUENCE_TABLES

    await upgrade(fresh_engine, "0003_sequences")
    assert await current_revision(fresh_engine) == "0003_sequences"
    assert await table_names(fresh_engine) >= SEQUENCE_TABLES
    assert not (await table_names(fresh_engine)) & SCORING_TABLES
    # The old rows are there, and the new tables work with them.
    store = SqlStore(fresh_engine)
    chosen = EmailSequence(
        id="seq-1",
        name="S",
        steps=(SequenceStep(subject="s", body="b", delay_days=0),),
        created_at=T0,
        updated_at=T0,
    )
    enrolled = Enrollment(
        id="e-1",
        sequence_id="seq-1",
        contact_id="c-old",
        enrolled_at=T0,
        enrolled_on=date(2026, 3, 7),
        next_due_on=date(2026, 3, 7),
        updated_at=T0,
    )
    async with store.unit_of_work("ws-old") as uow:
        assert (await uow.workspace.get()).name == "Old"  # type: ignore[union-attr]
        await uow.sequences.add(chosen)
        await uow.enrollments.add(enrolled)
        await uow.commit()
    async with store.unit_of_work("ws-old", read_only=True) as uow:
        [due] = await uow.enrollments.due(date(2026, 3, 7), after_id=None, limit=10)
    assert (due.contact.id, due.enrollment) == ("c-old", enrolled)

    await upgrade(fresh_engine, "0004_scoring")
    assert await current_revision(fresh_engine) == "0004_scoring"
    assert await table_names(fresh_engine) >= SCORING_TABLES
    # The old contact is a scoring candidate, takes a history, and its erasure takes both.
    history = ScoreRecord(
        id="s-1",
        contact_id="c-old",
        company_id=None,
        scorer="rules",
        model=None,
        prompt_version=None,
        input_hash="0" * 64,
        criteria=(CriterionScore(key="github_presence", points=20, rationale="Yes"),),
        score=20,
        created_at=T0,
    )
    async with store.unit_of_work("ws-old") as uow:
        [candidate] = await uow.contacts.scoring_candidates(rescore=False, after_id=None, limit=5)
        assert candidate.id == "c-old"
        await uow.scores.add_many([history])
        await uow.commit()
    async with store.unit_of_work("ws-old") as uow:
        assert (await uow.scores.find(contact_id="c-old", limit=5, offset=0)).items == (history,)
        await uow.enrollments.delete_for_contact("c-old")
        assert await uow.contacts.delete("c-old")
        assert await uow.scores.get("s-1") is None

    await upgrade(fresh_engine, "0005_job_runs")
    assert await current_revision(fresh_engine) == "0005_job_runs"
    assert await table_names(fresh_engine) >= JOB_TABLES
    # The scheduler sees the old workspace, with its time zone, and claims a firing in it once.
    scheduled = datetime(2026, 3, 9, 6, 0, tzinfo=UTC)
    firing = JobRun(
        id="run-1",
        job="sequences",
        workspace_id="ws-old",
        scheduled_for=scheduled,
        runner="host:1",
        started_at=scheduled,
    )
    async with store.jobs() as jobs:
        [old] = await jobs.workspaces()
        assert (old.id, old.timezone) == ("ws-old", "Europe/Helsinki")
        assert await jobs.job_runs.claim(firing)
        assert not await jobs.job_runs.claim(attrs.evolve(firing, id="run-2"))
        await jobs.commit()
    async with store.jobs(read_only=True) as jobs:
        assert (await jobs.job_runs.find(workspace_id="ws-old", limit=5, offset=0)).items == (
            firing,
        )


def _is_search_index(name: str | None, type_: str) -> bool:
    """The dialect-specific search DDL that lives only in the migration (see ``search.py``)."""
    if name is None:
        return False
    if type_ == "table":
        return name.startswith(("contacts_fts", "companies_fts", "fts_workspaces"))
    return type_ == "index" and name.endswith("_search_trgm")


async def test_the_migrated_schema_matches_tables_py(fresh_engine: AsyncEngine) -> None:
    await upgrade(fresh_engine)

    def differences(sync: Connection) -> list[Any]:
        context = MigrationContext.configure(
            sync,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": lambda name, type_, _parents: not _is_search_index(name, type_),
            },
        )
        return list(compare_metadata(context, metadata))

    async with fresh_engine.connect() as conn:
        assert await conn.run_sync(differences) == []


def _normalised_predicate(predicate: object) -> str:
    """``status = 'active'`` as written, and as PostgreSQL reflects it:
    ``((status)::text = 'active'::text)``."""
    text_ = str(predicate).lower().replace("::text", "")
    return "".join(ch for ch in text_ if ch not in "() ")


async def test_partial_indexes_have_the_predicate_of_tables_py(fresh_engine: AsyncEngine) -> None:
    # Alembic's comparison ignores an index's WHERE, so the drift test cannot see it.
    await upgrade(fresh_engine)
    option = f"{fresh_engine.dialect.name}_where"
    expected = {
        (table.name, index.name): _normalised_predicate(index.dialect_kwargs[option])
        for table in metadata.tables.values()
        for index in table.indexes
        if index.dialect_kwargs.get(option) is not None
    }
    assert expected == {
        ("enrollments", "uq_enrollments_active_contact"): "status='active'",
        ("contacts", "ix_contacts_unscored"): "scored_atisnull",
        ("tasks", "ix_tasks_open_due"): "status<>'done'",
    }

    def reflected(sync: Connection) -> dict[tuple[str, str], str]:
        inspector = inspect(sync)
        return {
            (table, index["name"]): _normalised_predicate(index["dialect_options"][option])
            for table in metadata.tables
            for index in inspector.get_indexes(table)
            if index["name"] and index.get("dialect_options", {}).get(option) is not None
        }

    async with fresh_engine.connect() as conn:
        assert await conn.run_sync(reflected) == expected


async def _add_enrollments(engine: AsyncEngine, total: int, due_every: int) -> None:
    """``total`` active enrolments in one workspace, every ``due_every``-th one due."""
    today = date(2026, 3, 7)
    chosen = EmailSequence(id="seq-1", name="S", steps=(), created_at=T0, updated_at=T0)
    people = [Contact(id=f"c-{n:05d}", created_at=T0, updated_at=T0) for n in range(total)]
    enrolled = [
        Enrollment(
            id=f"e-{n:05d}",
            sequence_id=chosen.id,
            contact_id=person.id,
            enrolled_at=T0,
            enrolled_on=today,
            next_due_on=today if n % due_every == 0 else today + timedelta(days=3),
            updated_at=T0,
        )
        for n, person in enumerate(people)
    ]
    ws = {"workspace_id": "ws-plan"}
    async with engine.begin() as conn:
        workspace = {"name": "P", "timezone": "UTC", "auto_enroll": True}
        await conn.execute(
            insert(workspaces).values(id="ws-plan", created_at=T0, updated_at=T0, **workspace)
        )
        await conn.execute(insert(sequences).values(ws | sequence_values(chosen)))
        await conn.execute(insert(contacts), [ws | contact_values(p) for p in people])
        await conn.execute(insert(enrollments), [ws | enrollment_values(e) for e in enrolled])
        await conn.execute(text("ANALYZE"))


async def test_the_due_query_uses_its_index_when_few_enrollments_are_due(
    fresh_engine: AsyncEngine,
) -> None:
    await upgrade(fresh_engine)
    await _add_enrollments(fresh_engine, total=3000, due_every=300)
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    store = SqlStore(fresh_engine)
    event.listen(fresh_engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with store.unit_of_work("ws-plan", read_only=True) as uow:
            due = await uow.enrollments.due(date(2026, 3, 7), after_id=None, limit=100)
    finally:
        event.remove(fresh_engine.sync_engine, "before_cursor_execute", capture)
    assert len(due) == 10
    # SQLite's unit of work also runs PRAGMA and BEGIN; the due query is the first SELECT
    # (the second reads the batch's sequences by id).
    selects = [s for s in statements if s[0].lstrip().startswith("SELECT")]
    assert len(selects) == 2
    statement, parameters = selects[0]
    async with fresh_engine.connect() as conn:
        explain = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
        result = await conn.exec_driver_sql(explain + statement, parameters)
        plan = "\n".join(" ".join(str(part) for part in row) for row in result)
    print(f"\n{fresh_engine.dialect.name} due query plan:\n{plan}")
    assert "ix_enrollments_due" in plan


async def _add_scored_contacts(engine: AsyncEngine, total: int, unscored_every: int) -> None:
    """``total`` contacts in one workspace, all scored but every ``unscored_every``-th."""
    people = [
        Contact(id=f"c-{n:05d}", created_at=T0 + timedelta(seconds=n), updated_at=T0)
        if n % unscored_every == 0
        else Contact(
            id=f"c-{n:05d}",
            lead_score=1 + n % 100,
            score_segment=segment_for_score(1 + n % 100),
            scored_at=T0,
            score_breakdown={"scorer": "rules", "criteria": []},
            created_at=T0 + timedelta(seconds=n),
            updated_at=T0,
        )
        for n in range(total)
    ]
    ws = {"workspace_id": "ws-plan"}
    async with engine.begin() as conn:
        workspace = {"name": "P", "timezone": "UTC", "auto_enroll": True}
        await conn.execute(
            insert(workspaces).values(id="ws-plan", created_at=T0, updated_at=T0, **workspace)
        )
        await conn.execute(insert(contacts), [ws | contact_values(p) for p in people])
        await conn.execute(text("ANALYZE"))


async def _plan_of(engine: AsyncEngine, read: Callable[[SqlUnitOfWork], Awaitable[object]]) -> str:
    """The query plan of the one SELECT that ``read`` runs in a unit of work."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    store = SqlStore(engine)
    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with store.unit_of_work("ws-plan", read_only=True) as uow:
            await read(uow)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    [(statement, parameters)] = [s for s in statements if s[0].lstrip().startswith("SELECT")]
    async with engine.connect() as conn:
        explain = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
        result = await conn.exec_driver_sql(explain + statement, parameters)
        return "\n".join(" ".join(str(part) for part in row) for row in result)


async def test_the_scoring_reads_use_their_indexes(fresh_engine: AsyncEngine) -> None:
    await upgrade(fresh_engine)
    await _add_scored_contacts(fresh_engine, total=5000, unscored_every=500)

    async def candidates(uow: SqlUnitOfWork) -> None:
        found = await uow.contacts.scoring_candidates(rescore=False, after_id="c-00700", limit=100)
        assert [c.id for c in found] == [f"c-{n:05d}" for n in range(1000, 5000, 500)]

    async def top(uow: SqlUnitOfWork) -> None:
        found = await uow.contacts.top_scored(10)
        assert [c.lead_score for c in found] == [100] * 10

    candidates_plan = await _plan_of(fresh_engine, candidates)
    top_plan = await _plan_of(fresh_engine, top)
    name = fresh_engine.dialect.name
    print(f"\n{name} scoring candidates plan:\n{candidates_plan}\ntop scored plan:\n{top_plan}")
    assert "ix_contacts_unscored" in candidates_plan
    assert "ix_contacts_top_score" in top_plan
    if name == "sqlite":  # the index gives the order: no sorting step
        assert "TEMP B-TREE" not in candidates_plan + top_plan
    else:
        assert "Sort" not in candidates_plan + top_plan


async def _add_job_runs(engine: AsyncEngine, workspaces_: int, firings: int) -> None:
    """Two jobs' runs, ``firings`` a day each, in each of ``workspaces_`` workspaces; all
    finished but the last of each."""
    ws_ids = [f"ws-{n:03d}" for n in range(workspaces_)]
    rows = []
    for ws_id in ws_ids:
        for job in ("scoring", "sequences"):
            for day in range(firings):
                at = T0 - timedelta(days=day)
                rows.append(
                    {
                        "id": f"run-{ws_id}-{job}-{day:05d}",
                        "job": job,
                        "workspace_id": ws_id,
                        "scheduled_for": at,
                        "status": "running" if day == 0 else "succeeded",
                        "runner": "host:1",
                        "started_at": at,
                        "finished_at": None if day == 0 else at,
                        "result": None if day == 0 else {"sent": day},
                        "error": None,
                    }
                )
    async with engine.begin() as conn:
        workspace = {"name": "P", "timezone": "UTC", "auto_enroll": True}
        await conn.execute(
            insert(workspaces),
            [{"id": id, "created_at": T0, "updated_at": T0, **workspace} for id in ws_ids],
        )
        await conn.execute(insert(job_runs), rows)
        await conn.execute(text("ANALYZE"))


async def _jobs_plan(
    engine: AsyncEngine, read: Callable[[SqlJobsUnitOfWork], Awaitable[object]]
) -> str:
    """The query plan of the first statement ``read`` runs in a jobs unit of work."""
    statements: list[tuple[str, Any]] = []
    verbs = ("SELECT", "UPDATE")

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().startswith(verbs):
            statements.append((statement, parameters))

    store = SqlStore(engine)
    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with store.jobs() as uow:
            await read(uow)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    statement, parameters = statements[0]
    async with engine.connect() as conn:
        explain = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
        result = await conn.exec_driver_sql(explain + statement, parameters)
        plan = "\n".join(" ".join(str(part) for part in row) for row in result)
        await conn.rollback()
    return plan


async def test_the_job_run_reads_use_their_indexes(fresh_engine: AsyncEngine) -> None:
    await upgrade(fresh_engine)
    await _add_job_runs(fresh_engine, workspaces_=20, firings=200)

    async def history(uow: SqlJobsUnitOfWork) -> None:
        page = await uow.job_runs.find(workspace_id="ws-007", limit=20, offset=0)
        assert page.items[0].scheduled_for == T0

    async def since(uow: SqlJobsUnitOfWork) -> None:
        assert len(await uow.job_runs.claimed_since(T0 - timedelta(days=1))) == 80

    async def stale(uow: SqlJobsUnitOfWork) -> None:
        assert await uow.job_runs.fail_stale(T0 + timedelta(hours=1), T0) == 40

    plans = {
        "find": await _jobs_plan(fresh_engine, history),
        "claimed_since": await _jobs_plan(fresh_engine, since),
        "fail_stale": await _jobs_plan(fresh_engine, stale),
    }
    name = fresh_engine.dialect.name
    print("".join(f"\n{name} {read} plan:\n{plan}" for read, plan in plans.items()))
    assert "ix_job_runs_workspace" in plans["find"]
    assert "ix_job_runs_scheduled" in plans["claimed_since"]
    assert "ix_job_runs_stale" in plans["fail_stale"]
    # The history's order is its index read backwards: no sorting step.
    assert ("TEMP B-TREE" if name == "sqlite" else "Sort") not in plans["find"]


async def _query_plan(conn: AsyncConnection, term: str) -> str:
    statement = select(contacts.c.id).where(
        search_condition(contacts, term, "ws-plan", conn.dialect.name)
    )
    compiled = statement.compile(dialect=conn.dialect)
    parameters = tuple(compiled.params[name] for name in compiled.positiontup or ())
    explain = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
    result = await conn.exec_driver_sql(explain + str(compiled), parameters)
    return "\n".join(" ".join(str(part) for part in row) for row in result)


async def test_search_can_use_the_trigram_index(store: SqlStore) -> None:
    async with store.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # On a near-empty table a scan is cheapest; forbid it to see the index is usable.
            await conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = await _query_plan(conn, "virtanen")
        short_plan = await _query_plan(conn, "vi")
        await conn.rollback()
    print(f"\n{store.engine.dialect.name} search plan:\n{plan}\nshort term:\n{short_plan}")
    if store.engine.dialect.name == "postgresql":
        assert "ix_contacts_search_trgm" in plan
    else:
        assert "VIRTUAL TABLE INDEX" in plan
        assert "contacts_fts" in plan
        assert "contacts_fts" not in short_plan


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("sqlite:///crm.db", "sqlite+aiosqlite:///crm.db", id="sqlite-relative"),
        pytest.param(
            "sqlite:////var/lib/crm.db", "sqlite+aiosqlite:////var/lib/crm.db", id="sqlite-absolute"
        ),
        pytest.param(
            "postgresql://u:p%40ss@db:5432/crm",
            "postgresql+asyncpg://u:p%40ss@db:5432/crm",
            id="postgresql",
        ),
        pytest.param("postgres://u@db/crm", "postgresql+asyncpg://u@db/crm", id="postgres"),
        pytest.param(
            "postgresql+asyncpg://u@db/crm", "postgresql+asyncpg://u@db/crm", id="already-async"
        ),
    ],
)
def test_plain_urls_get_their_async_driver(url: str, expected: str) -> None:
    assert async_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("mysql://u@db/crm", id="other-database"),
        pytest.param("postgresql+psycopg://u@db/crm", id="other-driver"),
        pytest.param("sqlite://", id="sqlite-memory"),
        pytest.param("sqlite:///:memory:", id="sqlite-memory-explicit"),
        pytest.param("not a url", id="garbage"),
    ],
)
def test_unsupported_urls_are_refused_with_a_clear_error(url: str) -> None:
    with pytest.raises(ValueError, match=r"unsupported|SQLite needs a file|not a database URL"):
        async_url(url)
