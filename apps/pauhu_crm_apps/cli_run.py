"""``pauhu-crm run``: run a job once, now — from system cron, a Kubernetes CronJob, or by hand.

It claims the job's latest scheduled time (from the same cron setting the
scheduler reads) exactly as the scheduler does, so running it from cron
beside schedulers never runs a firing twice. ``--force`` runs now anyway,
recorded as a firing of its own. Every other setting comes from its
``PAUHU_CRM_*`` variable, as for ``serve``; logging too is set up as the scheduler's
(``PAUHU_CRM_LOG_LEVEL``, ``PAUHU_CRM_LOG_FORMAT``), on stderr, so stdout holds only
the runs' JSON.
"""

from __future__ import annotations

import json
import sys
from typing import Any
from zoneinfo import ZoneInfo

import anyio
import click

from pauhu_crm_core import CRM, CrmWorkspace
from pauhu_crm_core.services.jobs import JOBS, JobAction

from .bootstrap import open_crm_from_settings
from .cli_jobs import settings_or_usage_error
from .logging_setup import configure_logging
from .representation import to_json
from .scheduler import latest_fire, runner_name, schedules_from
from .settings import Settings


@click.command()
@click.argument("job", type=click.Choice(sorted(JOBS)))
@click.option("--database-url", help="Overrides PAUHU_CRM_DATABASE_URL.")
@click.option("--workspace", "workspaces", multiple=True, help="Workspace to run in (repeatable).")
@click.option("--all-workspaces", is_flag=True, help="Run in every workspace of the database.")
@click.option(
    "--force",
    is_flag=True,
    help="Run now even if the latest scheduled time already ran (recorded as its own run).",
)
@click.option("--rescore", is_flag=True, help="scoring: rescore every contact not scored by hand.")
def run(
    job: str,
    database_url: str | None,
    workspaces: tuple[str, ...],
    all_workspaces: bool,
    force: bool,
    rescore: bool,
) -> None:
    """Run JOB (sequences or scoring) once and print each workspace's run as JSON.

    Without --force, a workspace whose latest scheduled time of JOB has
    already run (by a scheduler or another `run`) is skipped. Logs go to stderr
    and follow PAUHU_CRM_LOG_LEVEL and PAUHU_CRM_LOG_FORMAT, as the scheduler's do.
    """
    if bool(workspaces) == all_workspaces:
        raise click.UsageError("give --workspace W (one or more) or --all-workspaces")
    settings = settings_or_usage_error(database_url=database_url)
    configure_logging(settings.log_level, settings.log_format)
    action = scoring_action(rescore, progress=sys.stderr.isatty()) if job == "scoring" else None
    results = anyio.run(_run_all, job, settings, workspaces, force, action)
    click.echo(json.dumps(results, indent=2))


def scoring_action(rescore: bool, *, progress: bool) -> JobAction:
    """Scoring as the CLI runs it: optionally rescoring, with a progress bar in a terminal."""

    async def score(ws: CrmWorkspace) -> dict[str, Any]:
        if not progress:
            result = await ws.score(rescore=rescore)
        else:
            # The bar's length is an estimate: scoring pages through contacts as it goes.
            summary = (await ws.dashboard()).summary
            expected = (await ws.contacts.list(limit=1)).total if rescore else summary.unscored
            with click.progressbar(
                length=max(expected, 1), label=f"scoring {ws.id}", file=sys.stderr, show_pos=True
            ) as bar:
                result = await ws.score(rescore=rescore, progress=bar.update)
        return {"scored": result.scored, "errors": result.errors}

    return score


async def _run_all(
    job: str,
    settings: Settings,
    workspaces: tuple[str, ...],
    force: bool,
    action: JobAction | None,
) -> dict[str, Any]:
    cron = {s.job: s.cron for s in schedules_from(settings)}[job]
    async with open_crm_from_settings(settings) as crm:
        chosen = workspaces or tuple(w.id for w in await crm.jobs.workspaces())
        return {w: await _run_one(crm, job, cron, w, force, action) for w in chosen}


async def _run_one(
    crm: CRM, job: str, cron: str, workspace_id: str, force: bool, action: JobAction | None
) -> dict[str, Any]:
    # Reading the settings also creates a workspace named for the first time.
    zone = ZoneInfo((await crm.workspace(workspace_id).get()).timezone)
    now = crm.clock.now()
    scheduled_for = now if force else latest_fire(cron, now, zone)
    run = await crm.jobs.run_claimed(
        job, workspace_id, scheduled_for, runner=runner_name(), action=action
    )
    if run is None:
        return {"skipped": f"its run scheduled for {scheduled_for.isoformat()} already ran"}
    return to_json(run)
