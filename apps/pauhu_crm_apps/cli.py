"""The ``pauhu-crm`` command."""

from __future__ import annotations

import json
from typing import Any

import anyio
import click

from pauhu_crm_core import NotFound

from .bootstrap import DEFAULT_DATABASE_URL, open_crm
from .representation import to_json

database_url_option = click.option(
    "--database-url",
    envvar="PAUHU_CRM_DATABASE_URL",
    default=DEFAULT_DATABASE_URL,
    show_default=True,
    help="sqlite:///path.db or postgresql://user@host/db (env PAUHU_CRM_DATABASE_URL).",
)


@click.group()
def main() -> None:
    """Pauhu CRM: contacts, companies, deals, activities and tasks for EU sales teams."""


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
