"""``pauhu-crm run``: run a job once, now (for system cron, a Kubernetes CronJob, or by hand).

Every setting (database, mailer, scorer, …) comes from its ``PAUHU_CRM_*``
environment variable, as for ``serve``; ``--database-url`` overrides one.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import click

from pauhu_crm_core import CRM, CrmWorkspace

from .bootstrap import open_crm_from_settings
from .representation import to_json
from .settings import Settings, SettingsError

workspace_options = [
    click.option("--database-url", help="Overrides PAUHU_CRM_DATABASE_URL."),
    click.option(
        "--workspace", "workspaces", multiple=True, help="Workspace to run in (repeatable)."
    ),
    click.option("--all-workspaces", is_flag=True, help="Run in every workspace of the database."),
]


def with_workspace_options(command: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(workspace_options):
        command = option(command)
    return command


def run_in_workspaces(
    database_url: str | None,
    workspaces: tuple[str, ...],
    all_workspaces: bool,
    job: Callable[[CRM, CrmWorkspace], Awaitable[dict[str, Any]]],
) -> None:
    """Run ``job`` in each chosen workspace and print the results as JSON."""
    if bool(workspaces) == all_workspaces:
        raise click.UsageError("give --workspace W (one or more) or --all-workspaces")
    try:
        settings = Settings.from_env(database_url=database_url)
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None

    async def run_all() -> dict[str, Any]:
        async with open_crm_from_settings(settings) as crm:
            chosen = list(workspaces) or list(await crm.workspace_ids())
            return {w: await job(crm, crm.workspace(w)) for w in chosen}

    click.echo(json.dumps(anyio.run(run_all), indent=2))


@click.group()
def run() -> None:
    """Run a job once, now."""


@run.command()
@with_workspace_options
def sequences(database_url: str | None, workspaces: tuple[str, ...], all_workspaces: bool) -> None:
    """Send every due sequence step; print what each workspace's run did, as JSON."""

    async def job(_crm: CRM, ws: CrmWorkspace) -> dict[str, Any]:
        return to_json(await ws.sequences.run())

    run_in_workspaces(database_url, workspaces, all_workspaces, job)


@run.command()
@with_workspace_options
@click.option("--rescore", is_flag=True, help="Rescore every contact not scored by hand.")
def scoring(
    database_url: str | None, workspaces: tuple[str, ...], all_workspaces: bool, rescore: bool
) -> None:
    """Score the unscored contacts (and enrol them in their segment's sequence); print how
    many each workspace scored, as JSON. Shows progress when run in a terminal."""

    async def job(_crm: CRM, ws: CrmWorkspace) -> dict[str, Any]:
        if not sys.stderr.isatty():
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

    run_in_workspaces(database_url, workspaces, all_workspaces, job)
