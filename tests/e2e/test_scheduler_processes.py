"""Several real ``pauhu-crm scheduler`` processes on one database fire each time once."""

from __future__ import annotations

import subprocess
import time
from datetime import timedelta
from pathlib import Path

import anyio
import pytest

from pauhu_crm_adapters.sql import open_sql_store
from pauhu_crm_apps import open_crm
from pauhu_crm_core.entities import JobRunStatus

from .conftest import Server, clean_environment, pauhu_crm_command

pytestmark = pytest.mark.anyio

RUN_SECONDS = 7.0
EVERY = 2  # seconds between firings: a tick delayed by a busy machine still lands in time


def start_scheduler(database_url: str, log: Path) -> Server:
    environment = clean_environment() | {
        "PAUHU_CRM_SCHEDULE_SEQUENCES": f"* * * * * */{EVERY}",
        "PAUHU_CRM_SCHEDULE_SCORING": "0 0 1 1 *",  # not during the test
        "PAUHU_CRM_SCHEDULER_TICK_SECONDS": "0.1",
        "PAUHU_CRM_SCHEDULER_CATCH_UP_SECONDS": "5",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*pauhu_crm_command(), "scheduler", "--database-url", database_url],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environment,
            start_new_session=True,
        )
    return Server(process, "", log)


@pytest.mark.parametrize("replicas", [2, 4])
async def test_replicas_fire_every_scheduled_time_exactly_once(
    fresh_database_url: str, tmp_path: Path, replicas: int
) -> None:
    async with open_crm(fresh_database_url) as crm:
        await crm.workspace("ws-scheduled").get()
    schedulers = [
        start_scheduler(fresh_database_url, tmp_path / f"scheduler-{n}.log")
        for n in range(replicas)
    ]
    try:
        await anyio.sleep(RUN_SECONDS)
    finally:
        for scheduler in schedulers:
            scheduler.stop()

    logs = "\n".join(s.log_text() for s in schedulers)
    assert all(s.clean_shutdown for s in schedulers), logs
    assert [s.process.returncode for s in schedulers] == [0] * replicas, logs
    assert logs.count("started") == replicas
    store = await open_sql_store(fresh_database_url, migrate=False)
    try:
        async with store.jobs(read_only=True) as uow:
            page = await uow.job_runs.find(workspace_id="ws-scheduled", limit=100, offset=0)
    finally:
        await store.aclose()
    times = sorted(run.scheduled_for for run in page.items)
    assert len(times) >= RUN_SECONDS // EVERY - 1, logs
    assert len(set(times)) == len(times)
    steps = [int((t - times[0]) / timedelta(seconds=EVERY)) for t in times]
    assert steps == list(range(len(times))), f"a firing was skipped: {steps}\n{logs}"
    assert {run.status for run in page.items} == {JobRunStatus.SUCCEEDED}


async def test_a_one_shot_run_uses_the_same_claims(fresh_database_url: str) -> None:
    command = [*pauhu_crm_command(), "run", "sequences", "--all-workspaces"]
    command += ["--database-url", fresh_database_url]
    async with open_crm(fresh_database_url) as crm:
        await crm.workspace("ws-cron").get()

    async def run(*extra: str) -> str:
        finished = await anyio.run_process([*command, *extra], env=clean_environment())
        return finished.stdout.decode()

    first, second, forced = await run(), await run(), await run("--force")

    assert '"status": "succeeded"' in first
    assert "already ran" in second
    assert '"status": "succeeded"' in forced


def test_sigterm_stops_a_scheduler_cleanly(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'stop.db'}"
    scheduler = start_scheduler(database_url, tmp_path / "scheduler.log")
    deadline = time.monotonic() + 20
    while "started" not in scheduler.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)

    scheduler.stop()

    assert scheduler.clean_shutdown, scheduler.log_text()
    assert scheduler.process.returncode == 0
    assert "stopped" in scheduler.log_text()
