"""Ports of scheduled jobs: the job-run history that is also the claim on each firing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from ..entities import JobRun, JobRunStatus, Page, Workspace


@runtime_checkable
class JobRunRepository(Protocol):
    """Job runs of every workspace. The unique key (job, workspace, scheduled time) is the
    claim: whoever inserts the row runs the job, so any number of schedulers — processes
    or machines on one database — fire each scheduled time once."""

    async def claim(self, run: JobRun) -> bool:
        """Insert ``run`` unless its (job, workspace, scheduled_for) is taken; answer whether
        this call inserted it (a plain insert that may conflict, so it works through
        connection poolers: no session-level locks)."""
        ...

    async def finish(
        self,
        id: str,
        *,
        status: JobRunStatus,
        finished_at: datetime,
        result: Mapping[str, Any] | None,
        error: str | None,
    ) -> None: ...

    async def fail_stale(self, started_before: datetime, at: datetime) -> int:
        """Runs still ``running`` that started before ``started_before`` belong to a process
        that died: mark them ``failed``; answer how many."""
        ...

    async def claimed_since(self, since: datetime) -> Sequence[tuple[str, str, datetime]]:
        """(job, workspace_id, scheduled_for) of every run scheduled at or after ``since``."""
        ...

    async def find(
        self,
        *,
        workspace_id: str | None = None,
        job: str | None = None,
        limit: int,
        offset: int,
    ) -> Page[JobRun]:
        """Runs, newest scheduled time first (ties: newest start)."""
        ...


@runtime_checkable
class JobsUnitOfWork(Protocol):
    """One transaction over the job runs and workspaces of all workspaces."""

    @property
    def job_runs(self) -> JobRunRepository: ...
    async def workspaces(self) -> Sequence[Workspace]:
        """Every workspace, by id (with its time zone, for the schedule)."""
        ...

    async def commit(self) -> None: ...
