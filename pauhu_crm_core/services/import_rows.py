"""The rows of an import: which field each column fills, a row's cells as a body, and
the shapes an import takes and gives (its options, rows, row errors and report).

A column fills the field ``--map``/``map`` names for it, or else the field it is
named after (``First Name`` fills ``first_name``); other columns are ignored. A
blank cell leaves its field alone. Cells are text, so the few fields whose
values are not text are read from it: ``lead_score`` an integer,
``is_target_account`` ``true``/``false``, ``tags`` ``a; b`` (or a JSON array),
``custom_fields`` a JSON object. Every value then goes through the same
validation as an API body.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any

import attrs
from attrs import define, field, frozen

from ..commands import (
    COMPANY_CHANGES_READ_ONLY,
    COMPANY_READ_ONLY,
    CONTACT_CHANGES_READ_ONLY,
    NEW_CONTACT_READ_ONLY,
    CompanyChanges,
    ContactChanges,
    NewCompany,
    NewContact,
)
from ..errors import ValidationFailed
from ..validation import QueryBool, structure

COMPANY_DOMAIN = "company_domain"
"""A contact column that names the contact's company by its domain, not its id."""


@frozen
class ImportKind:
    resource: str
    key: str
    new: type
    new_read_only: frozenset[str]
    changes: type
    changes_read_only: frozenset[str]
    extra_fields: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return (*(f.name for f in attrs.fields(self.new)), *self.extra_fields)


KINDS = {
    "contacts": ImportKind(
        "contacts",
        "email",
        NewContact,
        NEW_CONTACT_READ_ONLY,
        ContactChanges,
        CONTACT_CHANGES_READ_ONLY,
        extra_fields=(COMPANY_DOMAIN,),
    ),
    "companies": ImportKind(
        "companies",
        "domain",
        NewCompany,
        COMPANY_READ_ONLY,
        CompanyChanges,
        COMPANY_CHANGES_READ_ONLY,
    ),
}
IMPORT_KINDS = tuple(KINDS)


def importable_fields(resource: str) -> tuple[str, ...]:
    """The fields a column of an import of ``resource`` may fill."""
    return kind_of(resource).fields


def kind_of(resource: str) -> ImportKind:
    kind = KINDS.get(resource)
    if kind is None:
        raise ValidationFailed.single("resource", f"must be one of: {', '.join(KINDS)}")
    return kind


def _header_name(column: str) -> str:
    """How a header matches a field by itself: ``First Name`` → ``first_name``."""
    return "_".join(column.strip().lower().replace("-", " ").split())


def column_fields(
    resource: str, header: Sequence[str], mapping: Sequence[str] = ()
) -> dict[str, str]:
    """Which field each column fills: the ``column=field`` pairs of ``mapping``, then every
    other column whose name is a field's. ``ValidationFailed`` names a bad pair as
    ``map.N`` and a repeated header as ``header``."""
    kind = kind_of(resource)
    details: list[dict[str, str]] = []
    # Counted, not searched: a body of 1 MiB can hold a header of half a million columns.
    repeated = sorted(c for c, n in Counter(header).items() if n > 1)
    columns_present = set(header)
    details += [
        {"field": "header", "message": f"names column {c!r} more than once"} for c in repeated[:20]
    ]
    known = set(kind.fields)
    columns: dict[str, str] = {}
    for index, pair in enumerate(mapping):
        column, equals, target = pair.rpartition("=")
        target = target.strip()
        problem = None
        if not equals or not column or not target:
            problem = "must be column=field"
        elif column not in columns_present:
            problem = f"names column {column!r}, which the header does not have"
        elif target not in known:
            problem = f"names {target!r}, which is not a field of {resource}"
        elif column in columns:
            problem = f"maps column {column!r} twice"
        if problem:
            details.append({"field": f"map.{index}", "message": problem})
        else:
            columns[column] = target
    for column in header:
        name = _header_name(column)
        if column not in columns and name in known and name not in columns.values():
            columns[column] = name
    counts: dict[str, list[str]] = {}
    for column, target in columns.items():
        counts.setdefault(target, []).append(column)
    details += [
        {"field": "map", "message": f"fills {target!r} from more than one column: {cs}"}
        for target, cs in counts.items()
        if len(cs) > 1
    ]
    if details:
        raise ValidationFailed(details)
    return {column: columns[column] for column in header if column in columns}


# -- cells → a body the services accept


def _integer(cell: str) -> object:
    """An integer (``55``, or ``55.0`` as a spreadsheet may write it); anything else goes
    on as it is, and the validator says what is wrong with it."""
    for number in (int, float):
        try:
            return number(cell)
        except ValueError:
            pass
    return cell


def _boolean(cell: str) -> object:
    return {"true": True, "false": False}.get(cell.lower(), cell)


def _json_object(cell: str) -> object:
    try:
        return json.loads(cell)
    except ValueError:
        raise ValueError('must be a JSON object, like {"region": "Uusimaa"}') from None


def _tags(cell: str) -> object:
    """``a; b`` (or, for tags that hold ``;``, a JSON array)."""
    if cell.startswith("["):
        try:
            return json.loads(cell)
        except ValueError:
            raise ValueError("must be tags separated by ';', or a JSON array") from None
    return [tag.strip() for tag in cell.split(";") if tag.strip()]


def tags_cell(tags: Sequence[str]) -> str:
    """Tags as one cell that ``_tags`` reads back exactly."""
    joined = ";".join(tags)
    if any(";" in tag for tag in tags) or joined.startswith("["):
        return json.dumps(list(tags), ensure_ascii=False)
    return joined


_CELL_PARSERS: dict[str, Callable[[str], object]] = {
    "lead_score": _integer,
    "is_target_account": _boolean,
    "tags": _tags,
    "custom_fields": _json_object,
}


def row_body(columns: Mapping[str, str], cells: Mapping[str, str | None]) -> dict[str, object]:
    """The body a row stands for: each non-blank cell under its field, as the API would
    receive it (a blank cell leaves its field alone). ``ValidationFailed`` for a cell
    that cannot even be read as its field's type."""
    body: dict[str, object] = {}
    details = []
    for column, target in columns.items():
        cell = cells.get(column)
        if cell is None or not cell.strip():
            continue
        parse = _CELL_PARSERS.get(target)
        try:
            body[target] = parse(cell.strip()) if parse else cell
        except ValueError as exc:
            details.append({"field": target, "message": str(exc)})
    if details:
        raise ValidationFailed(details)
    return body


# -- the shapes of an import: its options, rows, errors and report


class OnConflict(StrEnum):
    """What a row does whose key (e-mail or domain) an existing record already holds."""

    SKIP = "skip"
    UPDATE = "update"


@frozen(kw_only=True)
class ImportOptions:
    on_conflict: str = OnConflict.SKIP.value
    dry_run: QueryBool = QueryBool(False)  # noqa: RUF009 (NewType: the identity)
    map: tuple[str, ...] = ()
    """``column=field`` pairs: which field a column of the file fills."""


@frozen
class ImportRow:
    """One record of the file: its number (the header is row 1) and its cells by column.
    ``error`` says why a record could not be read at all (it is reported, not imported)."""

    number: int
    cells: Mapping[str, str | None]
    error: str | None = None


@frozen
class RowError:
    row: int
    field: str
    message: str


@define(kw_only=True)
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    resource: str
    dry_run: bool
    columns: dict[str, str]
    """Each column of the file that is imported, and the field it fills."""
    ignored_columns: list[str]
    """Columns that fill no field (e.g. ``created_at`` of an export): left out."""
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    """Rows whose key an existing record holds, with ``on_conflict=skip`` (or with
    ``update`` but nothing to change)."""
    suppressed: int = 0
    failed: int = 0
    errors: list[RowError] = field(factory=list)
    """The first 1000 row errors (suppressed rows included); all are counted."""
    stopped_at_row: int | None = None
    """When ``stop`` ended the import early: the first row not imported (this row and the
    ones after it were not read)."""


# -- the import


def import_options(data: dict[str, Any]) -> ImportOptions:
    """The options of an import; ``map`` may also be one pair or a column → field mapping."""
    pairs = data.get("map")
    if isinstance(pairs, str):
        data["map"] = [pairs]
    elif isinstance(pairs, Mapping):
        data["map"] = [f"{column}={target}" for column, target in pairs.items()]
    options = structure(data, ImportOptions)
    if options.on_conflict not in {c.value for c in OnConflict}:
        choices = ", ".join(c.value for c in OnConflict)
        raise ValidationFailed.single("on_conflict", f"must be one of: {choices}")
    return options
