"""``pauhu-crm scheduler`` and ``pauhu-crm jobs``: the cron runner and its history."""

from __future__ import annotations

from typing import Any

import anyio
import click

from .bootstrap import build_metrics, open_crm_from_settings
from .logging_setup import configure_logging
from .representation import format_datetime
from .scheduler import run_scheduler
from .settings import Settings, SettingsError


def settings_or_usage_error(**overrides: Any) -> Settings:
    try:
        return Settings.from_env(**overrides)
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None


@click.command()
@click.option("--database-url", help="Overrides PAUHU_CRM_DATABASE_URL.")
def scheduler(database_url: str | None) -> None:
    """Run the scheduled jobs until stopped (SIGTERM or SIGINT).

    The sequence engine runs at PAUHU_CRM_SCHEDULE_SEQUENCES (0 8 * * 1-5) and
    scoring at PAUHU_CRM_SCHEDULE_SCORING (0 6 * * *), each in every workspace's
    own time zone. Any number of schedulers may share one database: each
    scheduled time runs once, and one missed while all were down runs once
    when one comes back. Logs follow PAUHU_CRM_LOG_LEVEL and PAUHU_CRM_LOG_FORMAT;
    with PAUHU_CRM_METRICS=true, /metrics is served on
    PAUHU_CRM_HOST:PAUHU_CRM_SCHEDULER_METRICS_PORT.
    """
    settings = settings_or_usage_error(database_url=database_url)
    configure_logging(settings.log_level, settings.log_format)
    try:
        metrics = build_metrics(settings)
    except RuntimeError as exc:
        raise click.UsageError(str(exc)) from None

    async def run() -> None:
        async with open_crm_from_settings(settings, metrics=metrics) as crm:
            await run_scheduler(crm, settings, metrics=metrics)

    anyio.run(run)


@click.command()
@click.option("--database-url", help="Overrides PAUHU_CRM_DATABASE_URL.")
@click.option("--workspace", help="Only this workspace's runs.")
@click.option("--job", help="Only this job's runs (sequences or scoring).")
@click.option("--limit", default=20, show_default=True, help="How many runs to show.")
def jobs(database_url: str | None, workspace: str | None, job: str | None, limit: int) -> None:
    """Show the latest job runs, newest first."""
    settings = settings_or_usage_error(database_url=database_url)

    async def fetch() -> list[Any]:
        async with open_crm_from_settings(settings) as crm:
            page = await crm.jobs.history(workspace, job=job, limit=limit)
            return list(page.items)

    runs = anyio.run(fetch)
    if not runs:
        click.echo("no job runs yet")
    for run in runs:
        outcome = run.error or (run.result and ", ".join(f"{k} {v}" for k, v in run.result.items()))
        click.echo(
            f"{format_datetime(run.scheduled_for)}  {run.job:<9}  {run.workspace_id:<20}  "
            f"{run.status.value:<9}  {outcome or ''}"
        )
