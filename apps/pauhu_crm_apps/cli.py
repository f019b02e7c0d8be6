"""The ``pauhu-crm`` command: serve the API, migrate the database, try it out."""

from __future__ import annotations

import json
import os
import signal
from types import FrameType
from typing import Any

import anyio
import click

from pauhu_crm_core import NotFound

from .bootstrap import open_crm
from .cli_demo import demo
from .cli_jobs import jobs, scheduler
from .cli_keys import keys
from .cli_options import database_url_option
from .cli_privacy import contacts
from .cli_run import run
from .cli_transfer import export_command, import_command
from .representation import to_json
from .settings import (
    AUTH_MODES,
    DEFAULT_DATABASE_URL,
    LOG_FORMATS,
    LOG_LEVELS,
    Settings,
    SettingsError,
)


@click.group()
def main() -> None:
    """Pauhu CRM: contacts, companies, deals, activities and tasks for EU sales teams."""


main.add_command(keys)
main.add_command(run)
main.add_command(scheduler)
main.add_command(jobs)
main.add_command(contacts)
main.add_command(demo)
main.add_command(import_command)
main.add_command(export_command)


@main.command()
@click.option("--host", help="Address to listen on (env PAUHU_CRM_HOST). [default: 127.0.0.1]")
@click.option("--port", type=int, help="Port to listen on (env PAUHU_CRM_PORT). [default: 8000]")
@click.option(
    "--database-url",
    help=f"sqlite:///path.db or postgresql://user@host/db, migrated on start "
    f"(env PAUHU_CRM_DATABASE_URL). [default: {DEFAULT_DATABASE_URL}]",
)
@click.option("--workers", type=int, help="Worker processes (env PAUHU_CRM_WORKERS). [default: 1]")
@click.option(
    "--auth-mode",
    type=click.Choice(AUTH_MODES),
    help="none: any well-formed X-Workspace-ID; api_key: Bearer keys from `pauhu-crm keys` "
    "(env PAUHU_CRM_AUTH_MODE). [default: none]",
)
@click.option(
    "--allow-insecure-no-auth",
    is_flag=True,
    default=None,
    help="Allow auth mode `none` on a non-loopback address (anyone reaching it can read "
    "and change every workspace).",
)
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS),
    help="How much the server logs (env PAUHU_CRM_LOG_LEVEL). [default: info]",
)
@click.option(
    "--log-format",
    type=click.Choice(LOG_FORMATS),
    help="text, or json: one JSON object a line with the request id "
    "(env PAUHU_CRM_LOG_FORMAT). [default: text]",
)
def serve(**options: Any) -> None:
    """Serve the HTTP API (and /openapi.json) with uvicorn.

    Every setting can also come from its PAUHU_CRM_* environment variable; a
    flag wins over the variable. In auth mode `none` the server only listens
    on a loopback address unless --allow-insecure-no-auth is given. SIGTERM
    stops it gracefully: requests in flight finish (within
    PAUHU_CRM_SHUTDOWN_TIMEOUT_SECONDS), the database is closed, and it exits 0.
    """
    import uvicorn

    from .bootstrap import build_metrics
    from .logging_setup import logging_config

    try:
        settings = Settings.from_env(**options)
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None
    if (
        settings.auth_mode == "none"
        and not settings.listens_on_loopback
        and not settings.allow_insecure_no_auth
    ):
        raise click.UsageError(
            f"refusing to listen on {settings.host} without authentication: use "
            "--auth-mode api_key, a loopback --host, or --allow-insecure-no-auth"
        )
    try:
        build_metrics(settings)  # fails here, not in a worker, when the extra is missing
    except RuntimeError as exc:
        raise click.UsageError(str(exc)) from None
    # Workers are separate processes: they read the settings back from the environment.
    os.environ.update(settings.to_env())
    # uvicorn stops on SIGTERM, then raises it again once its own handler is gone; this
    # one turns that into a clean exit (status 0), as it does a SIGTERM during start-up.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run(
        "pauhu_crm_apps.api:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        log_config=logging_config(settings.log_level, settings.log_format),
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds or None,
        server_header=False,
    )


def _exit_cleanly(_signal: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


@main.command()
@database_url_option
def migrate(database_url: str) -> None:
    """Create or upgrade the database schema to the newest version."""

    async def run() -> None:
        async with open_crm(database_url, migrate=True):
            pass

    anyio.run(run)
    click.echo("database is up to date")


@main.command()
@database_url_option
@click.option("--workspace", default="ws-pauhu", show_default=True, help="Workspace id to use.")
def quickstart(database_url: str, workspace: str) -> None:
    """Create a workspace with the seed's company and contact, and print them as JSON.

    Running it twice shows the records already stored instead of failing.
    """

    async def run() -> dict[str, Any]:
        async with open_crm(database_url) as crm:
            ws = crm.workspace(workspace)
            settings = await ws.get()
            company = await _get_or_create(
                ws.companies,
                "comp-dvv",
                name="Digital and Population Data Services Agency",
                domain="dvv.fi",
                industry="government",
                size="1000+",
                country="FI",
                city="Helsinki",
                website="https://dvv.fi",
                icp_tier="tier-1",
                is_target_account=True,
                tags=["gov-fi", "digital-services"],
            )
            contact = await _get_or_create(
                ws.contacts,
                "abc-123",
                email="sanna.virtanen@dvv.fi",
                first_name="Sanna",
                last_name="Virtanen",
                title="Chief Data Officer",
                company_id=company.id,
                lifecycle_stage="lead",
                lead_source="conference",
                tags=["gov-fi", "data-governance"],
            )
            return {"workspace": settings, "company": company, "contact": contact}

    records = anyio.run(run)
    click.echo(json.dumps({name: to_json(r) for name, r in records.items()}, indent=2))


async def _get_or_create(service: Any, id: str, **fields: Any) -> Any:
    try:
        return await service.get(id)
    except NotFound:
        return await service.create(id=id, **fields)
