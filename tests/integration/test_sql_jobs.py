"""The SQL store's scheduled-job runs, on SQLite and PostgreSQL: the claim on each firing —
also when schedulers race in one process or in several — outcomes, stale runs, what was
claimed since a time, the history and the workspaces a scheduler sees.

The migration to the job-runs schema is in ``test_sql_migrations.py``.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import anyio
import anyio.lowlevel
import attrs
import pytest

from pauhu_crm_adapters.sql import SqlStore
from pauhu_crm_adapters.sql.repositories.job_runs import STALE_ERROR
from pauhu_crm_core.entities import JobRun, JobRunStatus, Workspace
from pauhu_crm_core.errors import Conflict, NotFound, ValidationFailed
from pauhu_crm_core.ports import JobRunRepository, JobsUnitOfWork, Store

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 3, 7, 6, 0, tzinfo=UTC)
HELSINKI = ZoneInfo("Europe/Helsinki")


async def open_workspace(store: SqlStore, workspace_id: str, timezone: str = "UTC") -> Workspace:
    async with store.unit_of_work(workspace_id) as uow:
        stored = await uow.workspace.ensure(
            Workspace(id=workspace_id, name="Test", timezone=timezone, created_at=T0, updated_at=T0)
        )
        await uow.commit()
    return stored


def job_name() -> str:
    """A job of this test's own: the database is shared by the session."""
    return f"job-{uuid.uuid4().hex[:12]}"


def run(job: str, workspace_id: str, scheduled_for: datetime = T0, **fields: Any) -> JobRun:
    values: dict[str, Any] = {"runner": "host-a:101", "started_at": scheduled_for}
    return JobRun(
        id=fields.pop("id", None) or f"run-{uuid.uuid4().hex}",
        job=job,
        workspace_id=workspace_id,
        scheduled_for=scheduled_for,
        **(values | fields),
    )


async def claim_in_own_unit(store: SqlStore, claimed: JobRun) -> bool:
    async with store.jobs() as uow:
        won = await uow.job_runs.claim(claimed)
        await uow.commit()
    return won


async def runs_of(store: SqlStore, job: str, **filters: Any) -> list[JobRun]:
    async with store.jobs(read_only=True) as uow:
        return list((await uow.job_runs.find(job=job, limit=100, offset=0, **filters)).items)


# -- conformance --------------------------------------------------------------------------------


async def test_the_store_and_its_jobs_unit_of_work_satisfy_the_ports(store: SqlStore) -> None:
    assert isinstance(store, Store)
    async with store.jobs(read_only=True) as uow:
        assert isinstance(uow, JobsUnitOfWork)
        assert isinstance(uow.job_runs, JobRunRepository)


# -- claiming -----------------------------------------------------------------------------------


async def test_a_claimed_run_reads_back_whole_in_utc_and_its_outcome_too(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    job = job_name()
    # 08:00 in Helsinki is 06:00 UTC: handed in with any offset, stored and read as UTC.
    scheduled = datetime(2026, 3, 7, 8, 0, tzinfo=HELSINKI)
    started = datetime(2026, 3, 7, 8, 0, 1, 250_000, tzinfo=HELSINKI)
    claimed = run(job, workspace_id, scheduled, started_at=started)
    assert await claim_in_own_unit(store, claimed)

    [stored] = await runs_of(store, job)
    assert stored == claimed
    assert stored.status is JobRunStatus.RUNNING
    assert (stored.finished_at, stored.result, stored.error) == (None, None, None)
    assert stored.scheduled_for.tzinfo is UTC
    assert stored.scheduled_for == T0
    assert stored.started_at == datetime(2026, 3, 7, 6, 0, 1, 250_000, tzinfo=UTC)

    result = {"sent": 12, "failed": 0, "notes": ["Ylläpito ✓", None], "nested": {"ok": True}}
    finished = datetime(2026, 3, 7, 6, 3, tzinfo=UTC)
    async with store.jobs() as uow:
        await uow.job_runs.finish(
            claimed.id,
            status=JobRunStatus.SUCCEEDED,
            finished_at=finished,
            result=result,
            error=None,
        )
        await uow.commit()
    [done] = await runs_of(store, job)
    assert done == attrs.evolve(
        claimed, status=JobRunStatus.SUCCEEDED, finished_at=finished, result=result
    )
    assert done.finished_at is not None
    assert done.finished_at.tzinfo is UTC

    async with store.jobs() as uow:
        await uow.job_runs.finish(
            claimed.id,
            status=JobRunStatus.FAILED,
            finished_at=finished,
            result=None,
            error="SMTP refused: 554",
        )
        await uow.commit()
    [failed] = await runs_of(store, job)
    assert (failed.status, failed.result, failed.error) == (
        JobRunStatus.FAILED,
        None,
        "SMTP refused: 554",
    )


async def test_finishing_a_run_that_does_not_exist_is_not_found(store: SqlStore) -> None:
    async with store.jobs() as uow:
        with pytest.raises(NotFound):
            await uow.job_runs.finish(
                "run-missing",
                status=JobRunStatus.SUCCEEDED,
                finished_at=T0,
                result={},
                error=None,
            )


async def test_a_firing_is_claimed_once_whatever_the_offset_it_is_named_with(
    store: SqlStore, workspace_id: str
) -> None:
    other = f"{workspace_id}-other"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other)
    job = job_name()
    first = run(job, workspace_id, T0)
    assert await claim_in_own_unit(store, first)
    # The same instant, named in Helsinki time, by another runner: taken.
    again = run(job, workspace_id, T0.astimezone(HELSINKI), runner="host-b:202")
    assert not await claim_in_own_unit(store, again)
    # Another time, another workspace, another job: each its own firing.
    assert await claim_in_own_unit(store, run(job, workspace_id, T0 + timedelta(seconds=1)))
    assert await claim_in_own_unit(store, run(job, other, T0))
    assert await claim_in_own_unit(store, run(job_name(), workspace_id, T0))
    assert [r.id for r in await runs_of(store, job, workspace_id=workspace_id)][-1] == first.id


async def test_a_unit_of_work_can_claim_lose_a_claim_claim_another_and_commit(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    job = job_name()
    taken = run(job, workspace_id, T0)
    assert await claim_in_own_unit(store, taken)
    before = run(job, workspace_id, T0 - timedelta(days=1))
    lost = run(job, workspace_id, T0)
    after = run(job, workspace_id, T0 + timedelta(days=1))
    async with store.jobs() as uow:
        assert await uow.job_runs.claim(before)
        assert not await uow.job_runs.claim(lost)  # on PostgreSQL: rolled back to a savepoint
        assert await uow.job_runs.claim(after)
        assert not await uow.job_runs.claim(attrs.evolve(after, id=f"run-{uuid.uuid4().hex}"))
        # The transaction is still usable: it reads, and it commits.
        page = await uow.job_runs.find(job=job, limit=10, offset=0)
        assert [r.id for r in page.items] == [after.id, taken.id, before.id]
        await uow.commit()
    assert [r.id for r in await runs_of(store, job)] == [after.id, taken.id, before.id]


async def test_a_claim_that_is_never_committed_leaves_the_firing_free(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    job = job_name()
    async with store.jobs() as uow:
        assert await uow.job_runs.claim(run(job, workspace_id))
    # Left without commit: rolled back, so the next scheduler gets it.
    assert await claim_in_own_unit(store, run(job, workspace_id))
    assert len(await runs_of(store, job)) == 1


async def test_other_integrity_errors_are_not_mistaken_for_a_lost_claim(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    job = job_name()
    claimed = run(job, workspace_id)
    assert await claim_in_own_unit(store, claimed)
    # The same id for another firing: a conflict, not "somebody else has it".
    async with store.jobs() as uow:
        with pytest.raises(Conflict):
            await uow.job_runs.claim(attrs.evolve(claimed, scheduled_for=T0 + timedelta(hours=1)))
    async with store.jobs() as uow:
        with pytest.raises(ValidationFailed) as raised:
            await uow.job_runs.claim(run(job, f"{workspace_id}-missing"))
    # SQLite does not say which foreign key failed (see ``errors.py``).
    assert raised.value.details[0]["field"] in {"workspace_id", "reference"}


async def test_concurrent_schedulers_claim_a_firing_exactly_once(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    job = job_name()
    firings = [T0 + timedelta(minutes=n) for n in range(3)]
    won: dict[tuple[int, datetime], bool] = {}

    async def scheduler(number: int) -> None:
        for scheduled in firings:
            await anyio.lowlevel.checkpoint()
            # Each in its own unit of work (its own connection), holding the claim a moment
            # before committing, so that on PostgreSQL the others' inserts wait on it.
            async with store.jobs() as uow:
                won[number, scheduled] = await uow.job_runs.claim(
                    run(job, workspace_id, scheduled, runner=f"host:{number}")
                )
                await anyio.sleep(0.05)
                await uow.commit()

    with anyio.fail_after(30):
        async with anyio.create_task_group() as group:
            for number in range(4):
                group.start_soon(scheduler, number)

    for scheduled in firings:
        assert [won[n, scheduled] for n in range(4)].count(True) == 1
    stored = await runs_of(store, job)
    assert len(stored) == len(firings)
    assert {(r.scheduled_for, r.runner) for r in stored} == {
        (scheduled, f"host:{n}") for (n, scheduled), ok in won.items() if ok
    }


_CLAIMER = """
import anyio, json, sys, time, uuid
from datetime import datetime
from pauhu_crm_adapters.sql import open_sql_store
from pauhu_crm_core.entities import JobRun

async def main(url, job, workspace_id, runner, start_at, firings):
    store = await open_sql_store(url, migrate=False)
    won = []
    try:
        time.sleep(max(0.0, start_at - time.time()))
        for firing in firings:
            scheduled = datetime.fromisoformat(firing)
            async with store.jobs() as uow:
                claimed = await uow.job_runs.claim(JobRun(
                    id=f"run-{uuid.uuid4().hex}", job=job, workspace_id=workspace_id,
                    scheduled_for=scheduled, runner=runner, started_at=scheduled,
                ))
                await uow.commit()
            won.append(claimed)
    finally:
        await store.aclose()
    print(json.dumps(won))

anyio.run(main, *json.loads(sys.argv[1]))
"""


async def test_schedulers_in_separate_processes_claim_a_firing_exactly_once(
    store: SqlStore, workspace_id: str, database_url: str
) -> None:
    await open_workspace(store, workspace_id)
    job = job_name()
    firings = [(T0 + timedelta(minutes=n)).isoformat() for n in range(5)]
    start_at = time.time() + 2.0  # every process has connected by then, so they overlap
    results: dict[int, list[bool]] = {}

    async def scheduler(number: int) -> None:
        argument = json.dumps(
            [database_url, job, workspace_id, f"proc:{number}", start_at, firings]
        )
        done = await anyio.run_process([sys.executable, "-c", _CLAIMER, argument])
        results[number] = json.loads(done.stdout)

    with anyio.fail_after(60):
        async with anyio.create_task_group() as group:
            for number in range(4):
                group.start_soon(scheduler, number)

    for index in range(len(firings)):
        assert [results[n][index] for n in range(4)].count(True) == 1
    stored = await runs_of(store, job)
    assert sorted(r.scheduled_for.isoformat() for r in stored) == firings
    assert {r.runner for r in stored} <= {f"proc:{n}" for n in range(4)}


# -- stale runs and catch-up --------------------------------------------------------------------

# Long before any other test's runs: ``fail_stale`` and ``claimed_since`` see every workspace
# of the shared database.
EPOCH = datetime(1990, 1, 1, tzinfo=UTC)


async def test_fail_stale_fails_only_runs_still_running_that_started_before_the_bound(
    store: SqlStore, workspace_id: str
) -> None:
    other = f"{workspace_id}-other"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other)
    job = job_name()
    bound = EPOCH + timedelta(hours=1)
    stale = run(job, workspace_id, EPOCH, started_at=EPOCH + timedelta(minutes=5))
    stale_elsewhere = run(job, other, EPOCH, started_at=EPOCH + timedelta(minutes=59))
    fresh = run(job, workspace_id, EPOCH + timedelta(hours=1), started_at=bound)  # not before
    succeeded = run(job, workspace_id, EPOCH - timedelta(days=1))
    failed = run(job, other, EPOCH - timedelta(days=2))
    async with store.jobs() as uow:
        for claimed in (stale, stale_elsewhere, fresh, succeeded, failed):
            assert await uow.job_runs.claim(claimed)
        for done, status in ((succeeded, JobRunStatus.SUCCEEDED), (failed, JobRunStatus.FAILED)):
            await uow.job_runs.finish(
                done.id, status=status, finished_at=EPOCH, result={"n": 1}, error=None
            )
        await uow.commit()

    at = EPOCH + timedelta(hours=2)
    async with store.jobs() as uow:
        assert await uow.job_runs.fail_stale(bound, at) == 2
        assert await uow.job_runs.fail_stale(bound, at) == 0
        await uow.commit()

    stored = {r.id: r for r in await runs_of(store, job)}
    for dead in (stale, stale_elsewhere):
        assert stored[dead.id] == attrs.evolve(
            dead, status=JobRunStatus.FAILED, finished_at=at, error=STALE_ERROR
        )
    assert stored[fresh.id] == fresh
    assert stored[succeeded.id].status is JobRunStatus.SUCCEEDED
    assert (stored[failed.id].status, stored[failed.id].error) == (JobRunStatus.FAILED, None)


async def test_claimed_since_lists_the_firings_scheduled_at_or_after_the_bound(
    store: SqlStore, workspace_id: str
) -> None:
    other = f"{workspace_id}-other"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other)
    job = job_name()
    since = T0 + timedelta(days=400)  # after every other test's firings
    before = run(job, workspace_id, since - timedelta(microseconds=1))
    at_bound = run(job, workspace_id, since)
    later = run(job, other, since + timedelta(hours=1))
    async with store.jobs() as uow:
        for claimed in (later, before, at_bound):
            assert await uow.job_runs.claim(claimed)
        await uow.commit()
    async with store.jobs(read_only=True) as uow:
        # Named in another offset, the bound is the same instant.
        found = await uow.job_runs.claimed_since(since.astimezone(HELSINKI))
    mine = [entry for entry in found if entry[0] == job]
    assert mine == [(job, workspace_id, since), (job, other, since + timedelta(hours=1))]
    assert all(entry[2].tzinfo is UTC for entry in mine)


# -- the history --------------------------------------------------------------------------------


async def test_find_lists_newest_firing_first_then_newest_start_then_id(
    store: SqlStore, workspace_id: str
) -> None:
    other = f"{workspace_id}-other"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other)
    job, other_job = job_name(), job_name()
    prefix = f"run-{uuid.uuid4().hex}"  # ids that sort as the test needs, and are new
    oldest = run(job, workspace_id, T0, started_at=T0 + timedelta(minutes=9))
    newest = run(job, workspace_id, T0 + timedelta(days=1))
    # Same firing of two jobs: the later start first; same start too: the higher id first.
    twin_late = run(other_job, workspace_id, T0 + timedelta(hours=1), id=f"{prefix}-b-late")
    twin_early = run(
        job,
        workspace_id,
        T0 + timedelta(hours=1),
        id=f"{prefix}-z-early",
        started_at=T0 + timedelta(minutes=59),
    )
    tie_high = run(job_name(), workspace_id, T0 + timedelta(hours=2), id=f"{prefix}-y")
    tie_low = run(job_name(), workspace_id, T0 + timedelta(hours=2), id=f"{prefix}-x")
    theirs = run(job, other, T0 + timedelta(days=2))
    async with store.jobs() as uow:
        for claimed in (twin_early, oldest, theirs, tie_low, newest, twin_late, tie_high):
            assert await uow.job_runs.claim(claimed)
        await uow.commit()

    async with store.jobs(read_only=True) as uow:
        everything = await uow.job_runs.find(workspace_id=workspace_id, limit=50, offset=0)
        assert [r.id for r in everything.items] == [
            newest.id,
            tie_high.id,
            tie_low.id,
            twin_late.id,
            twin_early.id,
            oldest.id,
        ]
        assert everything.total == 6
        # Paging: the same order, cut; the total is of the whole filter.
        pages = [
            await uow.job_runs.find(workspace_id=workspace_id, limit=4, offset=offset)
            for offset in (0, 4, 8)
        ]
        assert [len(p.items) for p in pages] == [4, 2, 0]
        assert [r for p in pages for r in p.items] == list(everything.items)
        assert {(p.total, p.limit) for p in pages} == {(6, 4)}
        assert [p.offset for p in pages] == [0, 4, 8]
        # Filters: a job in one workspace, a job in every workspace, one workspace's job.
        mine = await uow.job_runs.find(workspace_id=workspace_id, job=job, limit=50, offset=0)
        assert [r.id for r in mine.items] == [newest.id, twin_early.id, oldest.id]
        assert mine.total == 3
        everywhere = await uow.job_runs.find(job=job, limit=2, offset=0)
        assert [r.id for r in everywhere.items] == [theirs.id, newest.id]
        assert everywhere.total == 4
        assert (await uow.job_runs.find(workspace_id=other, limit=50, offset=0)).items == (theirs,)
        nobody = await uow.job_runs.find(workspace_id=f"{workspace_id}-none", limit=5, offset=0)
        assert (nobody.items, nobody.total) == ((), 0)


async def test_find_without_filters_spans_every_workspace(
    store: SqlStore, workspace_id: str
) -> None:
    other = f"{workspace_id}-other"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other)
    # Far in the future, so these are the first page of the whole shared database.
    far = datetime(2999, 1, 1, tzinfo=UTC) + timedelta(seconds=uuid.uuid4().int % 10**8)
    mine = run(job_name(), workspace_id, far)
    theirs = run(job_name(), other, far + timedelta(microseconds=1))
    async with store.jobs() as uow:
        assert await uow.job_runs.claim(mine)
        assert await uow.job_runs.claim(theirs)
        await uow.commit()
    async with store.jobs(read_only=True) as uow:
        page = await uow.job_runs.find(limit=200, offset=0)
    ids = [r.id for r in page.items]
    assert ids.index(theirs.id) < ids.index(mine.id)
    assert page.total >= 2


# -- workspaces ---------------------------------------------------------------------------------


async def test_the_jobs_unit_of_work_sees_every_workspace_with_its_time_zone(
    store: SqlStore, workspace_id: str
) -> None:
    helsinki = await open_workspace(store, f"{workspace_id}-a", "Europe/Helsinki")
    lisbon = await open_workspace(store, f"{workspace_id}-b", "Europe/Lisbon")
    async with store.jobs(read_only=True) as uow:
        found = await uow.workspaces()
    ids = [w.id for w in found]
    assert ids == sorted(ids)
    assert ids == list(await store.workspace_ids())
    by_id = {w.id: w for w in found}
    assert by_id[helsinki.id] == helsinki
    assert by_id[lisbon.id] == lisbon
    assert (by_id[helsinki.id].timezone, by_id[lisbon.id].timezone) == (
        "Europe/Helsinki",
        "Europe/Lisbon",
    )


async def test_a_read_only_jobs_unit_of_work_refuses_to_claim(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    async with store.jobs(read_only=True) as uow:
        with pytest.raises(Exception, match=r"(?i)read.only|readonly") as raised:
            await uow.job_runs.claim(run(job_name(), workspace_id))
    assert not isinstance(raised.value, (Conflict, ValidationFailed))
