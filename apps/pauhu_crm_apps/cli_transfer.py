"""``pauhu-crm import`` and ``pauhu-crm export``: data in and out as CSV (or JSON Lines)."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import IO

import anyio
import click

from pauhu_crm_core import Actor, CrmError, ValidationFailed
from pauhu_crm_core.services.exports import EXPORT_KINDS
from pauhu_crm_core.services.import_rows import IMPORT_KINDS
from pauhu_crm_core.services.imports import ImportReport, OnConflict, RowError

from .bootstrap import open_crm_from_settings
from .cli_jobs import settings_or_usage_error
from .transfer_csv import (
    FORMATS,
    REPORT_COLUMNS,
    CsvHeaderMissing,
    csv_line,
    export_text,
    read_csv,
    report_line,
)

ERRORS_SHOWN = 20
"""Row errors printed when there is no ``--report`` file to hold them all."""

workspace_option = click.option("--workspace", required=True, help="The workspace.")
database_option = click.option("--database-url", help="Overrides PAUHU_CRM_DATABASE_URL.")


def _failure(exc: CrmError) -> click.ClickException:
    if isinstance(exc, ValidationFailed) and exc.details:
        return click.ClickException("; ".join(f"{d['field']}: {d['message']}" for d in exc.details))
    return click.ClickException(exc.message)


def _count_records(path: str) -> int:
    """How many records a CSV file has (a quick first pass, for the progress bar)."""
    with open(path, encoding="utf-8-sig", newline="") as file:
        return max(0, sum(1 for record in csv.reader(file) if record) - 1)  # not blank lines


def _open_input(stack: ExitStack, path: str) -> IO[str]:
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
    file: IO[str] = stack.enter_context(open(path, encoding="utf-8-sig", newline=""))  # noqa: SIM115
    return file


def _open_output(stack: ExitStack, path: str) -> IO[str]:
    if path == "-":
        return sys.stdout
    file: IO[str] = stack.enter_context(open(path, "w", encoding="utf-8", newline=""))  # noqa: SIM115
    return file


@click.command("import")
@click.argument("resource", type=click.Choice(IMPORT_KINDS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@workspace_option
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Fill FIELD from COLUMN (repeatable). A column named like a field fills it anyway.",
)
@click.option(
    "--on-conflict",
    type=click.Choice([c.value for c in OnConflict]),
    default=OnConflict.SKIP.value,
    show_default=True,
    help="What a row does whose e-mail (contacts) or domain (companies) is already there.",
)
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, writable=True),
    help="Write every row error here, as CSV: row,field,message.",
)
@database_option
def import_command(
    resource: str,
    file: str,
    workspace: str,
    mapping: tuple[str, ...],
    on_conflict: str,
    dry_run: bool,
    report: str | None,
    database_url: str | None,
) -> None:
    """Import contacts or companies from a CSV FILE (- reads standard input).

    The first row names the columns. Each row creates a record, or finds the
    one with its e-mail or domain (then skips or updates it, as --on-conflict
    says). A row that breaks a rule is reported with its row number and field
    and the import carries on. A contact whose address was erased before is
    never imported again.
    """
    settings = settings_or_usage_error(database_url=database_url)
    with ExitStack() as stack:
        source = _open_input(stack, file)
        try:
            header, rows = read_csv(source)
        except CsvHeaderMissing as exc:
            raise click.UsageError(f"{file} {exc}") from None
        except UnicodeDecodeError:
            raise click.UsageError(f"{file} is not UTF-8 text") from None
        shown: list[RowError] = []
        on_error: Callable[[RowError], None] = shown.append
        if report is not None:
            report_file = _open_output(stack, report)
            report_file.write(csv_line(REPORT_COLUMNS))

            def on_error(error: RowError) -> None:
                report_file.write(report_line(error))

        progress: Callable[[int], None] | None = None
        if sys.stderr.isatty() and file != "-":
            bar = stack.enter_context(
                click.progressbar(
                    length=_count_records(file), label=f"Importing {resource}", file=sys.stderr
                )
            )
            progress = bar.update

        async def run() -> ImportReport:
            async with open_crm_from_settings(settings) as crm:
                ws = crm.workspace(workspace, actor=Actor("cli"))
                return await ws.imports.run(
                    resource,
                    header,
                    rows,
                    map=mapping,
                    on_conflict=on_conflict,
                    dry_run=dry_run,
                    progress=progress,
                    on_error=on_error,
                )

        try:
            result = anyio.run(run)
        except CrmError as exc:
            raise _failure(exc) from None
        except UnicodeDecodeError:
            raise click.ClickException(
                f"{file} is not UTF-8 text; stopped there (the rows before it were imported)"
            ) from None
    for line in _summary(result, report):
        click.echo(line)
    for error in shown[:ERRORS_SHOWN]:
        click.echo(f"row {error.row}: {error.field}: {error.message}", err=True)
    if len(shown) > ERRORS_SHOWN:
        click.echo(
            f"… and {len(shown) - ERRORS_SHOWN} more (--report FILE lists them all)", err=True
        )


def _summary(result: ImportReport, report: str | None) -> Iterator[str]:
    verb = "would be" if result.dry_run else "were"
    yield (
        f"{result.rows} rows of {result.resource}: {result.created} created, "
        f"{result.updated} updated, {result.skipped} skipped, "
        f"{result.suppressed} suppressed (erased before), {result.failed} failed"
        + (" — a dry run: nothing was written" if result.dry_run else "")
    )
    columns = ", ".join(f"{column} → {field}" for column, field in result.columns.items())
    yield f"columns {verb} imported: {columns or 'none'}"
    if result.ignored_columns:
        yield f"columns ignored: {', '.join(result.ignored_columns)}"
    if report is not None:
        yield f"row errors: {report}"


@click.command("export")
@click.argument("resource", type=click.Choice(tuple(EXPORT_KINDS)))
@workspace_option
@click.option(
    "--format",
    "format_",
    type=click.Choice(tuple(FORMATS)),
    default="csv",
    show_default=True,
    help="csv: a header row, then one row per record; jsonl: one JSON object per line.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    default="-",
    help="The file to write (default: standard output).",
)
@database_option
def export_command(
    resource: str, workspace: str, format_: str, output: str, database_url: str | None
) -> None:
    """Export every contact, company, deal or activity of a workspace.

    Records are read a page at a time and written as they come, so an export of
    any size takes little memory. Erased contacts are gone, so never exported.
    """
    settings = settings_or_usage_error(database_url=database_url)

    async def run(out: IO[str]) -> None:
        async with open_crm_from_settings(settings) as crm:
            ws = crm.workspace(workspace, actor=Actor("cli"))
            async for chunk in export_text(resource, format_, ws.exports.batches(resource)):
                out.write(chunk)

    with ExitStack() as stack:
        out = _open_output(stack, output)
        try:
            anyio.run(run, out)
        except CrmError as exc:
            raise _failure(exc) from None
