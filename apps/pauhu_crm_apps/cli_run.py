"""``pauhu-crm run``: run a job once, now (for system cron, a Kubernetes CronJob, or by hand)."""

from __future__ import annotations

import json
from typing import Any

import anyio
import click

from .bootstrap import open_crm
from .cli_options import database_url_option
from .representation import to_json
from .settings import Settings, sequence_settings


@click.group()
def run() -> None:
    """Run a job once, now."""


@run.command()
@database_url_option
@click.option("--workspace", "workspaces", multiple=True, help="Workspace to run in (repeatable).")
@click.option("--all-workspaces", is_flag=True, help="Run in every workspace of the database.")
@click.option(
    "--mail-url",
    envvar="PAUHU_CRM_MAIL_URL",
    default="outbox:",
    show_default=True,
    help="Where e-mail goes (env PAUHU_CRM_MAIL_URL); outbox: keeps it in the database.",
)
def sequences(
    database_url: str, workspaces: tuple[str, ...], all_workspaces: bool, mail_url: str
) -> None:
    """Send every due sequence step and print what each workspace's run did, as JSON.

    The other sequence settings (PAUHU_CRM_PUBLIC_URL, PAUHU_CRM_MAIL_SENDER,
    PAUHU_CRM_MAX_SENDS_PER_RUN, ...) come from the environment, as for `serve`.
    """
    if bool(workspaces) == all_workspaces:
        raise click.UsageError("give --workspace W (one or more) or --all-workspaces")

    async def run_all() -> dict[str, Any]:
        settings = Settings.from_env(database_url=database_url, mail_url=mail_url)
        async with open_crm(
            database_url, mail_url=mail_url, sequences=sequence_settings(settings)
        ) as crm:
            chosen = list(workspaces) or list(await crm.workspace_ids())
            results = {}
            for workspace_id in chosen:
                results[workspace_id] = to_json(await crm.workspace(workspace_id).sequences.run())
            return results

    click.echo(json.dumps(anyio.run(run_all), indent=2))
