"""``pauhu-crm keys``: create, list and revoke the API keys of the ``api_key`` auth mode."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import anyio
import click

from pauhu_crm_core import ApiKey, NotFound, ValidationFailed

from .bootstrap import open_crm
from .cli_options import database_url_option
from .representation import format_datetime


@click.group()
def keys() -> None:
    """Create, list and revoke API keys.

    With the API in auth mode `api_key`, every request needs
    `Authorization: Bearer <token>`, and a key only opens its own workspace.
    Only a hash of each key is stored: a token is shown once, when it is created.
    """


@keys.command(short_help="Create a key and print its token, once.")
@database_url_option
@click.option("--workspace", required=True, help="Workspace the key opens (created if new).")
@click.option("--name", help="What the key is for, e.g. 'website form'.")
def create(database_url: str, workspace: str, name: str | None) -> None:
    """Create a key for one workspace and print its token (shown only this once)."""

    async def run() -> tuple[ApiKey, str]:
        async with open_crm(database_url) as crm:
            return await crm.api_keys.create(workspace, name)

    try:
        key, token = anyio.run(run)
    except ValidationFailed as exc:
        raise click.UsageError(_sentence(exc)) from None
    click.echo(f"key id:    {key.id}")
    click.echo(f"workspace: {key.workspace_id}")
    if key.name:
        click.echo(f"name:      {key.name}")
    click.echo(f"token:     {token}")
    click.echo("Copy the token now: it will not be shown again (only its hash is stored).")


@keys.command(name="list", short_help="List keys (never their tokens).")
@database_url_option
@click.option("--workspace", help="Only this workspace's keys (default: every workspace's).")
def list_keys(database_url: str, workspace: str | None) -> None:
    """List keys, newest first: id, workspace, name, created, revoked (never the tokens)."""

    async def run() -> Sequence[ApiKey]:
        async with open_crm(database_url) as crm:
            return await crm.api_keys.list(workspace)

    try:
        found = anyio.run(run)
    except ValidationFailed as exc:
        raise click.UsageError(_sentence(exc)) from None
    if not found:
        click.echo("no API keys")
        return
    rows = [("ID", "WORKSPACE", "NAME", "CREATED", "REVOKED")]
    rows += [
        (k.id, k.workspace_id, k.name or "-", _time(k.created_at), _time(k.revoked_at))
        for k in found
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


@keys.command(short_help="Revoke a key.")
@database_url_option
@click.argument("key_id")
def revoke(database_url: str, key_id: str) -> None:
    """Revoke the key KEY_ID: its token stops working at once. Revoking again changes nothing."""

    async def run() -> ApiKey:
        async with open_crm(database_url) as crm:
            return await crm.api_keys.revoke(key_id)

    try:
        key = anyio.run(run)
    except NotFound as exc:
        raise click.ClickException(exc.message) from None
    assert key.revoked_at is not None
    click.echo(
        f"revoked {key.id} (workspace {key.workspace_id}) at {format_datetime(key.revoked_at)}"
    )


def _time(moment: datetime | None) -> str:
    return "-" if moment is None else format_datetime(moment)


def _sentence(error: ValidationFailed) -> str:
    return "; ".join(f"{d['field']} {d['message']}" for d in error.details)
