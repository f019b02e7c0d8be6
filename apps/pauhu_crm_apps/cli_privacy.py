"""``pauhu-crm contacts export|erase``: data-subject requests from the command line."""

from __future__ import annotations

import json
from typing import Any

import anyio
import click

from pauhu_crm_core import Actor

from .bootstrap import open_crm_from_settings
from .cli_jobs import settings_or_usage_error
from .representation import to_json


@click.group()
def contacts() -> None:
    """Data-subject requests: export or erase one contact."""


workspace_option = click.option("--workspace", required=True, help="The contact's workspace.")
database_option = click.option("--database-url", help="Overrides PAUHU_CRM_DATABASE_URL.")


@contacts.command()
@click.argument("contact_id")
@workspace_option
@database_option
def export(contact_id: str, workspace: str, database_url: str | None) -> None:
    """Print everything held about a contact as JSON (GDPR Art. 15 and 20)."""
    settings = settings_or_usage_error(database_url=database_url)

    async def run() -> dict[str, Any]:
        async with open_crm_from_settings(settings) as crm:
            ws = crm.workspace(workspace, actor=Actor("cli"))
            return to_json(await ws.contacts.export(contact_id))

    click.echo(json.dumps(anyio.run(run), indent=2, ensure_ascii=False))


@contacts.command()
@click.argument("contact_id")
@workspace_option
@database_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase(contact_id: str, workspace: str, database_url: str | None, yes: bool) -> None:
    """Erase a contact and everything linked to it (GDPR Art. 17); the address is never
    e-mailed again. This cannot be undone."""
    if not yes:
        click.confirm(f"Erase contact {contact_id} of {workspace} for good?", abort=True)
    settings = settings_or_usage_error(database_url=database_url)

    async def run() -> dict[str, Any]:
        async with open_crm_from_settings(settings) as crm:
            ws = crm.workspace(workspace, actor=Actor("cli"))
            return to_json(await ws.contacts.erase(contact_id))

    click.echo(json.dumps({"id": contact_id, "erased": True, **anyio.run(run)}, indent=2))
