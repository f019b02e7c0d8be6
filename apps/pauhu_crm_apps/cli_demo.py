"""``pauhu-crm demo``: fill a workspace with the demo pipeline (see ``demo.py``)."""

from __future__ import annotations

import anyio
import click

from pauhu_crm_core import CrmError

from .bootstrap import open_crm
from .cli_jobs import settings_or_usage_error
from .demo import DEFAULT_WORKSPACE, DemoSummary, describe, fill_demo
from .settings import sequence_settings


@click.command()
@click.option("--database-url", help="Overrides PAUHU_CRM_DATABASE_URL.")
@click.option(
    "--workspace", default=DEFAULT_WORKSPACE, show_default=True, help="Workspace to fill."
)
def demo(database_url: str | None, workspace: str) -> None:
    """Fill a workspace with a realistic EU public-sector pipeline.

    Companies, contacts, deals in every stage, activities and tasks, then a
    scoring run and a sequence run, so /admin and the dashboard show
    something real. The data is the same on every run and records already
    there are left alone, so running it twice adds nothing. E-mail always
    goes to the outbox (never PAUHU_CRM_MAIL_URL), and every demo address
    ends in .example.
    """
    settings = settings_or_usage_error(database_url=database_url)

    async def run() -> DemoSummary:
        # The outbox and the built-in scorer whatever is configured: the demo never
        # e-mails anyone and gives the same scores everywhere.
        async with open_crm(settings.database_url, sequences=sequence_settings(settings)) as crm:
            return await fill_demo(crm, workspace)

    try:
        summary = anyio.run(run)
    except CrmError as exc:
        raise click.ClickException(str(exc)) from None
    for line in describe(summary):
        click.echo(line)
    click.echo(
        f"Now run `pauhu-crm serve` and open http://{settings.host}:{settings.port}/admin "
        f"(workspace {workspace})."
    )
