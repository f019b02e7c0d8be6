"""Importing contacts and companies in bulk: rows of text in, a report out.

Each row is upserted by its key — a contact by e-mail, a company by domain —
through the same services as a single create or update, so every row is
validated exactly as the API validates a body (the report names the same
fields), audited, and given its search key. A bad row is reported (its
number, the field, the message) and the import carries on.

Rows are read in chunks: per chunk, one query finds the records that already
hold the chunk's keys, one the suppressed addresses and one the companies its
``company_domain`` cells name. A row without a key cannot be matched, so it
always creates a record.

A contact row whose address was erased before (it is on the suppression
list) is not imported: re-importing an old spreadsheet must not bring back a
person who asked to be forgotten. It is reported, and counted as
``suppressed``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from attrs import define, frozen

from .. import normalise
from ..errors import Conflict, NotFound, ValidationFailed
from ..validation import structure
from .companies import CompanyService
from .contacts import ContactService
from .context import WorkspaceContext, email_hash
from .import_rows import (
    COMPANY_DOMAIN,
    ImportKind,
    ImportOptions,
    ImportReport,
    ImportRow,
    OnConflict,
    RowError,
    column_fields,
    import_options,
    kind_of,
    row_body,
)

__all__ = [
    "CHUNK",
    "ImportOptions",
    "ImportReport",
    "ImportRow",
    "ImportService",
    "OnConflict",
    "RowError",
]

T = TypeVar("T")

CHUNK = 200
"""Rows looked up together (one query per look-up per chunk)."""
MAX_REPORTED_ERRORS = 1000
"""Row errors kept in a report (all are counted, and all go to ``on_error``)."""
SUPPRESSED_MESSAGE = "was erased before (it is on the suppression list): not imported"


class _BadKey(ValueError):
    """Raised when a row's e-mail or domain is not one."""


@frozen
class _Prepared:
    number: int
    body: dict[str, object]
    key: str | None


@define
class _Chunk:
    """What the chunk's look-ups found."""

    existing: dict[str, str]
    """Key → id of the record holding it (also those this import created before)."""
    suppressed: set[str]
    company_ids: dict[str, str]
    """Domain → company id, for ``company_domain`` cells."""
    known_companies: set[str]
    """Company ids that the chunk's ``company_id`` cells name and that exist (dry run)."""


def _chunks(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Records(Protocol):
    """What an import needs of a record service (contacts' or companies')."""

    async def create(self, data: Mapping[str, Any] | None = None, /, **fields: Any) -> Any: ...
    async def update(
        self, id: str, data: Mapping[str, Any] | None = None, /, **changes: Any
    ) -> Any: ...


class ImportService:
    def __init__(self, context: WorkspaceContext) -> None:
        self._context = context
        self._contacts = ContactService(context)
        self._companies = CompanyService(context)

    async def run(
        self,
        resource: str,
        header: Sequence[str],
        rows: Iterable[ImportRow],
        options: Mapping[str, Any] | None = None,
        /,
        *,
        progress: Callable[[int], None] | None = None,
        on_error: Callable[[RowError], None] | None = None,
        stop: Callable[[], bool] | None = None,
        **given: Any,
    ) -> ImportReport:
        """Upsert ``rows`` of ``resource`` (``contacts`` or ``companies``). Options, in
        ``options`` or as keywords: ``on_conflict`` (``skip``, the default, or ``update``),
        ``dry_run`` (write nothing, report what would happen) and ``map`` (``column=field``
        pairs). ``progress`` hears how many more rows are done; ``on_error`` hears every
        row error as it happens. ``stop`` is asked before each row: once it answers true,
        the import ends there and the report's ``stopped_at_row`` names that row (an HTTP
        request stops so before its time runs out)."""
        kind = kind_of(resource)
        opts = import_options({**(options or {}), **given})
        columns = column_fields(resource, header, opts.map)
        report = ImportReport(
            resource=resource,
            dry_run=bool(opts.dry_run),
            columns=columns,
            ignored_columns=[column for column in header if column not in columns],
        )
        records = self._contacts if kind.key == "email" else self._companies
        run = _Run(self._context, records, kind, columns, opts, report, on_error, stop)
        for chunk in _chunks(rows, CHUNK):
            done = await run.chunk(chunk)
            if progress is not None:
                progress(done)
            if report.stopped_at_row is not None:
                break
        return report


class _Run:
    """One import's state: the report, and the keys a dry run would have created."""

    def __init__(
        self,
        context: WorkspaceContext,
        records: _Records,
        kind: ImportKind,
        columns: dict[str, str],
        options: ImportOptions,
        report: ImportReport,
        on_error: Callable[[RowError], None] | None,
        stop: Callable[[], bool] | None,
    ) -> None:
        self._context = context
        self._stop = stop
        self._records = records
        self._kind = kind
        self._columns = columns
        self._options = options
        self._report = report
        self._on_error = on_error
        self._would_create: set[str] = set()
        """Keys a dry run's earlier rows would have created (a later row updates them)."""

    def _fail(self, number: int, details: Iterable[Mapping[str, str]]) -> None:
        self._report.failed += 1
        for detail in details:
            self._note(RowError(number, detail["field"], detail["message"]))

    def _note(self, error: RowError) -> None:
        if len(self._report.errors) < MAX_REPORTED_ERRORS:
            self._report.errors.append(error)
        if self._on_error is not None:
            self._on_error(error)

    def _prepare(self, row: ImportRow) -> _Prepared | list[dict[str, str]]:
        """The row's body and key, or what is wrong with it."""
        if row.error is not None:
            return [{"field": "(row)", "message": row.error}]
        try:
            body = row_body(self._columns, row.cells)
            key = self._key(body)
        except ValidationFailed as exc:
            return exc.details
        except _BadKey as exc:
            # Report every bad field of the row, as the API would, not just its key.
            kind = self._kind
            fields = {k: v for k, v in body.items() if k != COMPANY_DOMAIN}
            try:
                structure(fields, kind.new, read_only=kind.new_read_only)
            except ValidationFailed as invalid:
                return invalid.details
            return [{"field": kind.key, "message": str(exc)}]
        return _Prepared(row.number, body, key)

    def _key(self, body: dict[str, object]) -> str | None:
        value = body.get(self._kind.key)
        if value is None:
            return None
        parse = normalise.email if self._kind.key == "email" else normalise.domain
        try:
            return parse(value)
        except ValueError as exc:
            raise _BadKey(str(exc)) from None

    async def chunk(self, rows: Sequence[ImportRow]) -> int:
        """Import ``rows``; answer how many were done (fewer when ``stop`` said so)."""
        prepared = [(row.number, self._prepare(row)) for row in rows]
        found = await self._look_up([p for _, p in prepared if isinstance(p, _Prepared)])
        for done, (number, outcome) in enumerate(prepared):  # in row order, errors too
            if self._stop is not None and self._stop():
                self._report.stopped_at_row = number
                return done
            self._report.rows += 1
            if isinstance(outcome, _Prepared):
                await self._import(outcome, found)
            else:
                self._fail(number, outcome)
        return len(prepared)

    async def _look_up(self, rows: Sequence[_Prepared]) -> _Chunk:
        keys = {row.key for row in rows if row.key is not None}
        domains = {str(row.body[COMPANY_DOMAIN]) for row in rows if COMPANY_DOMAIN in row.body}
        company_ids = {str(row.body["company_id"]) for row in rows if "company_id" in row.body}
        is_contact = self._kind.key == "email"
        secret = await self._context.runtime.suppression_key() if is_contact and keys else ""
        found = _Chunk({}, set(), {}, set())
        async with self._context.reading() as uow:
            if keys:
                if is_contact:
                    holders: Sequence[Any] = await uow.transfer.contacts_with_emails(keys)
                else:
                    holders = await uow.transfer.companies_with_domains(keys)
                found.existing = {getattr(r, self._kind.key): r.id for r in holders}
            if is_contact and keys:
                hashes = {email_hash(secret, key): key for key in keys - found.existing.keys()}
                found.suppressed = {hashes[h] for h in await uow.suppressions.contains_any(hashes)}
            parsed_domains = _parse_domains(domains)
            if parsed_domains:
                companies = await uow.transfer.companies_with_domains(set(parsed_domains.values()))
                by_domain = {c.domain: c.id for c in companies}
                found.company_ids = {
                    raw: by_domain[d] for raw, d in parsed_domains.items() if d in by_domain
                }
            if self._options.dry_run and company_ids:
                valid = [i for i in company_ids if normalise.ID_PATTERN.fullmatch(i)]
                found.known_companies = {c.id for c in await uow.companies.get_many(valid)}
        return found

    async def _import(self, row: _Prepared, found: _Chunk) -> None:
        body = dict(row.body)
        if not body:
            self._report.skipped += 1  # nothing in the imported columns
            return
        if COMPANY_DOMAIN in body:
            raw = str(body.pop(COMPANY_DOMAIN))
            if raw not in found.company_ids:
                self._fail(row.number, [{"field": COMPANY_DOMAIN, "message": _no_company(raw)}])
                return
            body.setdefault("company_id", found.company_ids[raw])
            found.known_companies.add(found.company_ids[raw])
        key = row.key
        existing_id = found.existing.get(key) if key else None
        if key is not None and (existing_id is not None or key in self._would_create):
            if self._options.on_conflict == OnConflict.SKIP:
                self._report.skipped += 1
                return
            await self._update(row.number, existing_id, body, found)
        elif key is not None and key in found.suppressed:
            self._report.suppressed += 1
            self._note(RowError(row.number, self._kind.key, SUPPRESSED_MESSAGE))
        else:
            await self._create(row.number, key, body, found)

    def _dry_check(
        self, body: dict[str, object], command: type, read_only: frozenset[str], found: _Chunk
    ) -> None:
        structure(body, command, read_only=read_only)
        company_id = body.get("company_id")
        if isinstance(company_id, str) and company_id not in found.known_companies:
            message = "does not name a company in this workspace"
            raise ValidationFailed.single("company_id", message)

    async def _create(
        self, number: int, key: str | None, body: dict[str, object], found: _Chunk
    ) -> None:
        kind = self._kind
        try:
            if self._options.dry_run:
                self._dry_check(body, kind.new, kind.new_read_only, found)
            else:
                record = await self._records.create(body)
                if key is not None:
                    found.existing[key] = record.id
        except ValidationFailed as exc:
            self._fail(number, exc.details)
            return
        except Conflict as exc:
            self._fail(number, [{"field": exc.field or "id", "message": _conflict(exc)}])
            return
        if self._options.dry_run and key is not None:
            self._would_create.add(key)
        self._report.created += 1

    async def _update(
        self, number: int, id: str | None, body: dict[str, object], found: _Chunk
    ) -> None:
        kind = self._kind
        # The key found the record; an ``id`` cell only ever names a record to create.
        changes = {k: v for k, v in body.items() if k not in ("id", kind.key)}
        if not changes:
            self._report.skipped += 1
            return
        try:
            if self._options.dry_run or id is None:
                self._dry_check(changes, kind.changes, kind.changes_read_only, found)
            else:
                await self._records.update(id, changes)
        except ValidationFailed as exc:
            self._fail(number, exc.details)
            return
        except Conflict as exc:
            self._fail(number, [{"field": exc.field or kind.key, "message": _conflict(exc)}])
            return
        except NotFound:
            message = "names a record that was deleted during the import"
            self._fail(number, [{"field": kind.key, "message": message}])
            return
        self._report.updated += 1


def _conflict(exc: Conflict) -> str:
    return "is already used in this workspace" if exc.field else exc.message


def _no_company(cell: str) -> str:
    try:
        normalise.domain(cell)
    except ValueError as exc:
        return str(exc)
    return "does not name a company of this workspace by its domain"


def _parse_domains(raw: Iterable[str]) -> dict[str, str]:
    """Each ``company_domain`` cell that is a domain, and its normalised form."""
    parsed = {}
    for cell in raw:
        try:
            domain = normalise.domain(cell)
        except ValueError:
            continue
        if domain is not None:
            parsed[cell] = domain
    return parsed
