"""The scheduler's ticks: what fires, once, in whose time zone, and what it records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pauhu_crm_apps.scheduler import Schedule, Scheduler
from pauhu_crm_core import CRM
from pauhu_crm_core.entities import JobRun, JobRunStatus
from pauhu_crm_core.ports import Store
from pauhu_crm_core.testing import FrozenClock, RecordingMailer

pytestmark = pytest.mark.anyio

SEQUENCES = Schedule("sequences", "0 8 * * 1-5")
SCORING = Schedule("scoring", "0 6 * * *")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock("2026-03-30T08:00:30+03:00")  # a Monday, just after 08:00 in Helsinki


@pytest.fixture
def crm(fresh_store: Store, clock: FrozenClock) -> CRM:
    # A database of its own: a tick looks at every workspace stored.
    return CRM(store=fresh_store, clock=clock, mailer=RecordingMailer())


def scheduler(crm: CRM, *schedules: Schedule, runner: str = "test") -> Scheduler:
    return Scheduler(crm, schedules or (SEQUENCES,), runner=runner)


def mine(runs: list, workspace_id: str) -> list[tuple[str, datetime]]:
    return [(r.job, r.scheduled_for) for r in runs if r.workspace_id == workspace_id]


async def test_a_due_job_runs_once_per_scheduled_time(crm: CRM, workspace_id: str) -> None:
    await crm.workspace(workspace_id).get()

    first = await scheduler(crm).tick()
    second = await scheduler(crm, runner="another replica").tick()

    assert mine(first, workspace_id) == [("sequences", at("2026-03-30T08:00:00+03:00"))]
    assert mine(second, workspace_id) == []
    [run] = [r for r in first if r.workspace_id == workspace_id]
    assert run.status is JobRunStatus.SUCCEEDED
    assert run.result == {"processed": 0, "sent": 0, "skipped": 0, "errors": 0, "uncertain": 0}


async def test_nothing_fires_before_its_time_or_on_a_weekend(
    crm: CRM, clock: FrozenClock, workspace_id: str
) -> None:
    await crm.workspace(workspace_id).get()
    await scheduler(crm).tick()  # Monday's run
    clock.set(at("2026-03-30T12:00:00+03:00"))
    assert mine(await scheduler(crm).tick(), workspace_id) == []

    # Saturday 09:00: the latest time is Friday 08:00, over a day ago, so outside the
    # catch-up window (and Tuesday to Friday never ran: nobody was ticking).
    clock.set(at("2026-04-04T09:00:00+03:00"))
    saturday = await scheduler(crm).tick()

    assert mine(saturday, workspace_id) == []


async def test_a_missed_time_runs_once_when_a_scheduler_comes_back(
    crm: CRM, clock: FrozenClock, workspace_id: str
) -> None:
    await crm.workspace(workspace_id).get()
    await scheduler(crm).tick()
    clock.set(at("2026-04-01T10:00:00+03:00"))  # down from Monday to Wednesday 10:00

    back = await scheduler(crm).tick()
    again = await scheduler(crm).tick()

    assert mine(back, workspace_id) == [("sequences", at("2026-04-01T08:00:00+03:00"))]
    assert mine(again, workspace_id) == []


async def test_each_workspace_fires_in_its_own_time_zone(
    crm: CRM, clock: FrozenClock, workspace_id: str
) -> None:
    helsinki = crm.workspace(workspace_id)
    new_york = crm.workspace(workspace_id + "-ny")
    await helsinki.get()
    await new_york.update(timezone="America/New_York")

    morning = await scheduler(crm).tick()  # 08:00 in Helsinki is 01:00 in New York
    clock.set(at("2026-03-30T08:00:05-04:00"))
    later = await scheduler(crm).tick()

    assert [w for w in (helsinki.id, new_york.id) if mine(morning, w)] == [helsinki.id]
    assert mine(later, new_york.id) == [("sequences", at("2026-03-30T08:00:00-04:00"))]


async def test_a_failing_job_is_recorded_as_failed(
    fresh_store: Store, clock: FrozenClock, workspace_id: str
) -> None:
    crm = CRM(store=fresh_store, clock=clock)  # no mailer: the sequence engine refuses to run
    await crm.workspace(workspace_id).get()

    [run] = [r for r in await scheduler(crm).tick() if r.workspace_id == workspace_id]

    assert run.status is JobRunStatus.FAILED
    assert run.error is not None
    assert "no mailer" in run.error
    history = await crm.jobs.history(workspace_id)
    assert [(r.job, r.status) for r in history.items] == [("sequences", JobRunStatus.FAILED)]


async def test_both_jobs_run_and_the_history_is_newest_first(
    crm: CRM, clock: FrozenClock, workspace_id: str
) -> None:
    ws = crm.workspace(workspace_id)
    await ws.contacts.create(email="a@example.eu")

    await scheduler(crm, SEQUENCES, SCORING).tick()

    history = await crm.jobs.history(workspace_id)
    assert [(r.job, r.scheduled_for) for r in history.items] == [
        ("sequences", at("2026-03-30T08:00:00+03:00")),
        ("scoring", at("2026-03-30T06:00:00+03:00")),
    ]
    scoring = history.items[1]
    assert scoring.result == {"scored": 1, "errors": 0}
    assert (await crm.jobs.history(workspace_id, job="scoring")).total == 1


async def test_a_run_left_running_by_a_dead_process_is_marked_failed(
    crm: CRM, clock: FrozenClock, workspace_id: str
) -> None:
    await crm.workspace(workspace_id).get()
    async with crm.store.jobs() as uow:
        await uow.job_runs.claim(
            JobRun(
                id="dead-run",
                job="scoring",
                workspace_id=workspace_id,
                scheduled_for=at("2026-03-30T06:00:00+03:00"),
                runner="gone:1",
                started_at=clock.now() - timedelta(hours=3),
            )
        )
        await uow.commit()

    await Scheduler(crm, (SEQUENCES,), job_timeout=3600, runner="test").tick()

    [dead] = [r for r in (await crm.jobs.history(workspace_id)).items if r.id == "dead-run"]
    assert dead.status is JobRunStatus.FAILED
