"""Job runs of every workspace: rows <-> ``JobRun``, and the claim on each firing.

Whoever inserts the row of a (job, workspace, scheduled time) runs that firing:
the unique index ``uq_job_runs_claim`` decides between schedulers, in any number
of processes or machines, with nothing but a plain ``INSERT`` (no session-level
locks, so it works through connection poolers). PostgreSQL makes an insert that
races an uncommitted one of the same key wait for it, then fail if it committed;
SQLite runs writers one at a time. The loser's insert fails inside a SAVEPOINT,
so its unit of work stays usable (PostgreSQL would otherwise abort the whole
transaction).

Not a tenant repository, like the API keys: the scheduler claims and lists the
runs of all workspaces in one unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, insert, select, true, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pauhu_crm_core.entities import JobRun, JobRunStatus, Page
from pauhu_crm_core.errors import NotFound

from ..errors import translate_write_error, violates_unique_index
from ..tables import job_runs

CLAIM_INDEX = "uq_job_runs_claim"

STALE_ERROR = "abandoned: still running when its runner was presumed dead"
"""The ``error`` that ``fail_stale`` records."""

_RUNNING = JobRunStatus.RUNNING.value
_NEWEST_FIRST = (
    job_runs.c.scheduled_for.desc(),
    job_runs.c.started_at.desc(),
    job_runs.c.id.desc(),
)


def job_run_from_row(row: RowMapping) -> JobRun:
    return JobRun(
        id=row["id"],
        job=row["job"],
        workspace_id=row["workspace_id"],
        scheduled_for=row["scheduled_for"],
        status=JobRunStatus(row["status"]),
        runner=row["runner"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        result=row["result"],
        error=row["error"],
    )


def job_run_values(run: JobRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "job": run.job,
        "workspace_id": run.workspace_id,
        "scheduled_for": run.scheduled_for,
        "status": run.status.value,
        "runner": run.runner,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "result": _json(run.result),
        "error": run.error,
    }


def _json(result: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A plain dict for the JSON serialiser (any ``Mapping`` may come in)."""
    return None if result is None else dict(result)


class SqlJobRunRepository:
    """The ``JobRunRepository`` port on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def claim(self, run: JobRun) -> bool:
        """Insert ``run``; ``False`` if its (job, workspace, scheduled_for) is already taken
        (by a committed row, or one committed while this insert waited for it).

        Any other integrity error is translated as usual: a reused ``id`` is a
        ``Conflict``, an unknown workspace a ``ValidationFailed``.
        """
        values = job_run_values(run)
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(insert(job_runs).values(values))
        except IntegrityError as exc:
            if violates_unique_index(exc, job_runs, CLAIM_INDEX):
                return False
            raise translate_write_error(exc, job_runs, values) from exc
        return True

    async def finish(
        self,
        id: str,
        *,
        status: JobRunStatus,
        finished_at: datetime,
        result: Mapping[str, Any] | None,
        error: str | None,
    ) -> None:
        """Record a run's outcome (also over a ``fail_stale`` verdict: the real outcome
        is the better record). ``NotFound`` if there is no run ``id``."""
        outcome = {
            "status": status.value,
            "finished_at": finished_at,
            "result": _json(result),
            "error": error,
        }
        updated = await self._conn.execute(
            update(job_runs).where(job_runs.c.id == id).values(outcome)
        )
        if updated.rowcount == 0:
            raise NotFound("job run", id)

    async def fail_stale(self, started_before: datetime, at: datetime) -> int:
        r = job_runs.c
        result = await self._conn.execute(
            update(job_runs)
            .where((r.status == _RUNNING) & (r.started_at < started_before))
            .values(status=JobRunStatus.FAILED.value, finished_at=at, error=STALE_ERROR)
        )
        return result.rowcount

    async def claimed_since(self, since: datetime) -> Sequence[tuple[str, str, datetime]]:
        """In scheduled order (then job, workspace)."""
        r = job_runs.c
        rows = await self._conn.execute(
            select(r.job, r.workspace_id, r.scheduled_for)
            .where(r.scheduled_for >= since)
            .order_by(r.scheduled_for, r.job, r.workspace_id)
        )
        return [(job, workspace_id, scheduled_for) for job, workspace_id, scheduled_for in rows]

    async def find(
        self,
        *,
        workspace_id: str | None = None,
        job: str | None = None,
        limit: int,
        offset: int,
    ) -> Page[JobRun]:
        """Newest scheduled time first, then newest start, then id (descending); one page
        query and one count."""
        where: ColumnElement[bool] = true()
        if workspace_id is not None:
            where = where & (job_runs.c.workspace_id == workspace_id)
        if job is not None:
            where = where & (job_runs.c.job == job)
        rows = await self._conn.execute(
            select(job_runs).where(where).order_by(*_NEWEST_FIRST).limit(limit).offset(offset)
        )
        items = tuple(job_run_from_row(row) for row in rows.mappings())
        total = await self._conn.scalar(select(func.count()).select_from(job_runs).where(where))
        return Page(items=items, total=int(total or 0), limit=limit, offset=offset)
