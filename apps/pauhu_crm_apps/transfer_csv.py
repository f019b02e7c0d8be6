"""CSV and JSON Lines on both sides of the import and export services (stdlib ``csv``).

Reading: a header row, then one ``ImportRow`` per record, numbered as a
spreadsheet numbers its rows (the header is row 1, blank rows count too). A
record the ``csv`` module cannot read, or one with more cells than the header
has columns, becomes an ``ImportRow`` with an ``error``: reported, not imported.

Writing: one line per record, in a chunk of text per batch, so an export of
any size holds one batch in memory. A CSV cell holds a value as an import
reads it back: times in ISO 8601 with ``Z``, ``true``/``false``, tags as
``a;b`` (a JSON array when a tag holds ``;``), objects as JSON, nothing for null.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from typing import Any

import attrs
import orjson

from pauhu_crm_core.services.exports import EXPORT_KINDS, Record
from pauhu_crm_core.services.import_rows import tags_cell
from pauhu_crm_core.services.imports import ImportRow, RowError

from .representation import to_json

FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
"""Each export format and its media type."""
REPORT_COLUMNS = ("row", "field", "message")


class CsvHeaderMissing(ValueError):
    """Raised when a file to import has no header row."""


def read_csv(lines: Iterable[str]) -> tuple[list[str], Iterator[ImportRow]]:
    """The header of CSV text, and its records as rows to import (read lazily)."""
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise CsvHeaderMissing("must start with a header row") from None
    except csv.Error as exc:
        raise CsvHeaderMissing(f"has a header row that cannot be read: {exc}") from None
    if not any(column.strip() for column in header):
        raise CsvHeaderMissing("must start with a header row")
    return header, _records(reader, header)


def _records(reader: Any, header: list[str]) -> Iterator[ImportRow]:
    number = 1
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield ImportRow(number, {}, error=f"cannot be read as CSV: {exc}")
            continue
        if not cells:
            continue  # a blank line
        if len(cells) > len(header):
            message = f"has {len(cells)} cells, but the header has {len(header)} columns"
            yield ImportRow(number, {}, error=message)
            continue
        yield ImportRow(number, dict(zip(header, cells, strict=False)))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return tags_cell(value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def export_columns(resource: str) -> list[str]:
    """The columns of a CSV export: the record's fields as the API shows them."""
    return [field.name.removesuffix("_cents") for field in attrs.fields(EXPORT_KINDS[resource])]


def csv_line(cells: Sequence[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue()


def csv_rows(records: Iterable[Record]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for record in records:
        writer.writerow([_cell(value) for value in to_json(record).values()])
    return buffer.getvalue()


def jsonl_rows(records: Iterable[Record]) -> str:
    return "".join(orjson.dumps(to_json(record)).decode() + "\n" for record in records)


async def export_text(
    resource: str, format: str, batches: AsyncIterator[Sequence[Record]]
) -> AsyncIterator[str]:
    """The export as chunks of text: a CSV header first, then one chunk per batch."""
    if format == "csv":
        yield csv_line(export_columns(resource))
    write = csv_rows if format == "csv" else jsonl_rows
    async for batch in batches:
        yield write(batch)


def report_line(error: RowError) -> str:
    """One row error as a line of the report file (``row,field,message``)."""
    return csv_line([str(error.row), error.field, error.message])
