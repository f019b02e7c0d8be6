"""Options shared by the ``pauhu-crm`` commands."""

from __future__ import annotations

import click

from .settings import DEFAULT_DATABASE_URL

database_url_option = click.option(
    "--database-url",
    envvar="PAUHU_CRM_DATABASE_URL",
    default=DEFAULT_DATABASE_URL,
    show_default=True,
    help="sqlite:///path.db or postgresql://user@host/db (env PAUHU_CRM_DATABASE_URL).",
)
