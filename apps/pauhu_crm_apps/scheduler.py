"""``pauhu-crm scheduler``: fires the cron jobs, safely with any number of replicas.

Each job has a cron expression, read in each workspace's own time zone. On
every tick the scheduler works out, per workspace and job, the latest
scheduled time that has come; if no run holds that (job, workspace, time)
yet, it claims it — by inserting the job-run row, which exactly one of any
number of schedulers can do — and runs it. A time missed while every
replica was down therefore runs once when one comes back (within the
catch-up window), not once per missed tick. SIGTERM and SIGINT stop the
loop after the running job has finished (or timed out).

With metrics on, each run this process makes is counted by job and outcome,
and ``/metrics`` is served on ``host:scheduler_metrics_port`` by a small
uvicorn server inside the scheduler's event loop (it leaves the signals to
the scheduler).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import anyio
import uvicorn
from attrs import frozen
from croniter import croniter

from pauhu_crm_core import CRM
from pauhu_crm_core.entities import JobRun

from .settings import Settings

if TYPE_CHECKING:
    from .metrics_adapters import CrmMetrics

logger = logging.getLogger("pauhu_crm.scheduler")

STALE_CHECK_EVERY = timedelta(minutes=1)


@frozen
class Schedule:
    job: str
    cron: str


def schedules_from(settings: Settings) -> tuple[Schedule, ...]:
    return (
        Schedule("sequences", settings.schedule_sequences),
        Schedule("scoring", settings.schedule_scoring),
    )


def latest_fire(cron: str, now: datetime, zone: ZoneInfo) -> datetime:
    """The latest time at or before ``now`` that ``cron`` fires in ``zone``, in UTC."""
    local_now = now.astimezone(zone)
    # croniter's "previous" is strictly earlier than its start, so start just after now.
    times = croniter(cron, local_now + timedelta(seconds=1))
    fire: datetime = times.get_prev(datetime)
    while fire > local_now:
        fire = times.get_prev(datetime)
    return fire.astimezone(UTC)


def next_fire(cron: str, now: datetime, zone: ZoneInfo) -> datetime:
    """The first time after ``now`` that ``cron`` fires in ``zone``, in UTC."""
    fire: datetime = croniter(cron, now.astimezone(zone)).get_next(datetime)
    return fire.astimezone(UTC)


def runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Scheduler:
    def __init__(
        self,
        crm: CRM,
        schedules: Sequence[Schedule],
        *,
        catch_up: timedelta = timedelta(days=1),
        tick_seconds: float = 15.0,
        job_timeout: float = 3600.0,
        runner: str | None = None,
        on_run: Callable[[JobRun], None] | None = None,
    ) -> None:
        self._crm = crm
        self._schedules = tuple(schedules)
        self._catch_up = catch_up
        self._tick_seconds = tick_seconds
        self._job_timeout = job_timeout
        self._runner = runner or runner_name()
        self._stale_checked_at: datetime | None = None
        self._on_run = on_run

    async def tick(self, stop: anyio.Event | None = None) -> list[JobRun]:
        """Run every firing that is due and unclaimed; answer the runs this call made."""
        now = self._crm.clock.now()
        if self._stale_checked_at is None or now - self._stale_checked_at >= STALE_CHECK_EVERY:
            # A run older than twice the timeout belongs to a process that died mid-way.
            # (A write: done once a minute, not every tick, to keep ticks cheap.)
            await self._crm.jobs.fail_stale(timedelta(seconds=2 * self._job_timeout))
            self._stale_checked_at = now
        claimed = await self._crm.jobs.claimed_since(now - self._catch_up)
        ran: list[JobRun] = []
        for workspace in await self._crm.jobs.workspaces():
            zone = ZoneInfo(workspace.timezone)
            for schedule in self._schedules:
                if stop is not None and stop.is_set():
                    return ran
                fire = latest_fire(schedule.cron, now, zone)
                if now - fire > self._catch_up or (schedule.job, workspace.id, fire) in claimed:
                    continue
                run = await self._crm.jobs.run_claimed(
                    schedule.job,
                    workspace.id,
                    fire,
                    runner=self._runner,
                    timeout=self._job_timeout,
                )
                if run is not None:
                    logger.info(
                        "%s in %s for %s: %s", run.job, run.workspace_id, fire, run.status.value
                    )
                    ran.append(run)
                    if self._on_run is not None:
                        self._on_run(run)
        return ran

    async def run_until(self, stop: anyio.Event) -> None:
        """Tick until ``stop`` is set; a tick in progress finishes its current job first."""
        logger.info("scheduler %s started: %s", self._runner, self._schedules)
        while not stop.is_set():
            await self.tick(stop)
            with anyio.move_on_after(self._tick_seconds):
                await stop.wait()
        logger.info("scheduler %s stopped", self._runner)


async def run_scheduler(crm: CRM, settings: Settings, *, metrics: CrmMetrics | None = None) -> None:
    """Run the scheduler until SIGTERM or SIGINT; with ``metrics``, count its runs and serve
    them on ``settings.scheduler_metrics_port``."""
    scheduler = Scheduler(
        crm,
        schedules_from(settings),
        catch_up=timedelta(seconds=settings.scheduler_catch_up_seconds),
        tick_seconds=settings.scheduler_tick_seconds,
        job_timeout=settings.job_timeout_seconds,
        on_run=metrics.observe_job_run if metrics is not None else None,
    )
    stop = anyio.Event()

    async def stop_on_signal() -> None:
        with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
            async for received in signals:
                logger.info("received %s, stopping after the current job", received.name)
                stop.set()
                return

    async with anyio.create_task_group() as group:
        group.start_soon(stop_on_signal)
        if metrics is not None:
            server = metrics_server(metrics, settings)
            group.start_soon(server.serve)
        await scheduler.run_until(stop)
        if metrics is not None:
            server.should_exit = True  # lets it close its socket; then the group ends
        else:
            group.cancel_scope.cancel()


def metrics_server(metrics: CrmMetrics, settings: Settings) -> uvicorn.Server:
    """A uvicorn server of ``/metrics`` alone, that leaves SIGTERM and SIGINT to the caller."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware

    from .api.metrics import metrics_routes
    from .api.middleware import RequestContextMiddleware
    from .api.security_headers import RAW_SECURITY_HEADERS

    app = Starlette(
        routes=metrics_routes(metrics, settings.metrics_token),
        middleware=[Middleware(RequestContextMiddleware, default_headers=RAW_SECURITY_HEADERS)],
    )
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.scheduler_metrics_port,
        lifespan="off",
        access_log=False,
        log_config=None,  # the scheduler configured logging already
        server_header=False,
    )
    return _QuietServer(config)


class _QuietServer(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn would take SIGTERM and SIGINT over (and raise them again on exit); the
        # scheduler has its own handling, and stops this server itself.
        yield
