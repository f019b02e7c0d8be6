"""Scheduled jobs: claim one firing, run it, record how it went.

A job is a name (``sequences``, ``scoring``) and what it does in a
workspace. ``run_claimed`` first inserts the job-run row for (job,
workspace, scheduled time) — the claim — and runs the job only if that
insert was its own, so schedulers on several machines, or a system cron
beside them, fire each scheduled time once. The history is the same rows.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import anyio
import attrs

from ..commands import JobQuery
from ..entities import JobRun, JobRunStatus, Page, Workspace
from ..ids import new_id
from ..ports import Store
from ..validation import structure
from .common import page_window
from .context import Runtime

logger = logging.getLogger("pauhu_crm.jobs")

JobAction = Callable[[Any], Awaitable[Mapping[str, Any]]]
"""What a job does in one workspace (given its ``CrmWorkspace``); answers a JSON result."""


async def _sequences(ws: Any) -> Mapping[str, Any]:
    return attrs.asdict(await ws.sequences.run())


async def _scoring(ws: Any) -> Mapping[str, Any]:
    result = await ws.score()
    return {"scored": result.scored, "errors": result.errors}


JOBS: dict[str, JobAction] = {"sequences": _sequences, "scoring": _scoring}


class JobService:
    """Job runs across all workspaces (``crm.jobs``)."""

    def __init__(self, runtime: Runtime, workspace: Callable[[str], Any]) -> None:
        self._runtime = runtime
        self._workspace = workspace

    @property
    def _store(self) -> Store:
        return self._runtime.store

    async def workspaces(self) -> Sequence[Workspace]:
        async with self._store.jobs(read_only=True) as uow:
            return await uow.workspaces()

    async def claimed_since(self, since: datetime) -> set[tuple[str, str, datetime]]:
        async with self._store.jobs(read_only=True) as uow:
            return set(await uow.job_runs.claimed_since(since))

    async def fail_stale(self, older_than: timedelta) -> int:
        """Record runs left ``running`` by a process that died as failed."""
        now = self._runtime.now()
        async with self._store.jobs() as uow:
            count = await uow.job_runs.fail_stale(now - older_than, now)
            await uow.commit()
        return count

    async def run_claimed(
        self,
        job: str,
        workspace_id: str,
        scheduled_for: datetime,
        *,
        runner: str,
        timeout: float | None = None,  # noqa: ASYNC109 - bounds the job alone, not its record
        action: JobAction | None = None,
    ) -> JobRun | None:
        """Run ``job`` in the workspace for ``scheduled_for`` unless that firing is already
        claimed (then answer ``None``). A job that fails or times out is recorded as
        ``failed`` with its error; it never raises into the scheduler. ``action`` replaces
        the job's usual one (e.g. scoring with a progress bar)."""
        action = action or JOBS[job]
        run = JobRun(
            id=new_id(self._runtime.now()),
            job=job,
            workspace_id=workspace_id,
            scheduled_for=scheduled_for,
            runner=runner,
            started_at=self._runtime.now(),
        )
        async with self._store.jobs() as uow:
            claimed = await uow.job_runs.claim(run)
            await uow.commit()
        if not claimed:
            return None
        result: Mapping[str, Any] | None = None
        error: str | None = None
        try:
            with anyio.fail_after(timeout):
                result = await action(self._workspace(workspace_id))
        except Exception as exc:  # the job boundary: record it, log it whole, go on
            logger.exception("job %s failed in workspace %s", job, workspace_id)
            error = f"{type(exc).__name__}: {exc}"
        status = JobRunStatus.FAILED if error else JobRunStatus.SUCCEEDED
        finished_at = self._runtime.now()
        async with self._store.jobs() as uow:
            await uow.job_runs.finish(
                run.id, status=status, finished_at=finished_at, result=result, error=error
            )
            await uow.commit()
        return attrs.evolve(run, status=status, finished_at=finished_at, result=result, error=error)

    async def history(
        self,
        workspace_id: str | None = None,
        data: Mapping[str, Any] | None = None,
        /,
        **filters: Any,
    ) -> Page[JobRun]:
        """Runs, newest first; of one workspace, or of all."""
        query = structure({**(data or {}), **filters}, JobQuery)
        limit, offset = page_window(query)
        async with self._store.jobs(read_only=True) as uow:
            return await uow.job_runs.find(
                workspace_id=workspace_id, job=query.job, limit=limit, offset=offset
            )
