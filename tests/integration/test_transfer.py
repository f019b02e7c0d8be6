"""Import and export through the library (issue 10, item 1), on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from pauhu_crm_adapters.sql.store import SqlStore
from pauhu_crm_apps.transfer_csv import export_text, read_csv
from pauhu_crm_core import CRM, Actor, CrmWorkspace, ValidationFailed
from pauhu_crm_core.ports import TransferRepository
from pauhu_crm_core.services.imports import CHUNK, ImportReport, RowError

pytestmark = pytest.mark.anyio


async def load(ws: CrmWorkspace, resource: str, text: str, **options: Any) -> ImportReport:
    header, rows = read_csv(io.StringIO(text, newline=""))
    return await ws.imports.run(resource, header, rows, **options)


async def everything(ws: CrmWorkspace, resource: str, *, batch_size: int = 500) -> list[Any]:
    return [r async for batch in ws.exports.batches(resource, batch_size=batch_size) for r in batch]


def errors_of(report: ImportReport) -> list[tuple[int, str]]:
    return [(error.row, error.field) for error in report.errors]


# -- import -----------------------------------------------------------------------


async def test_an_import_creates_contacts_with_headers_mapped_by_name_and_by_map(
    ws: CrmWorkspace,
) -> None:
    text = (
        "E-mail address,First Name,last_name,Score,tags,custom_fields,created_at\n"
        'Sanna@DVV.fi,Sanna,Virtanen,55,gov; eu,"{""region"": ""Uusimaa""}",2020-01-01\n'
        "matti@vero.fi,Matti,,,,,\n"
    )

    report = await load(ws, "contacts", text, map=["E-mail address=email", "Score=lead_score"])

    assert (report.rows, report.created, report.failed) == (2, 2, 0)
    assert report.columns == {
        "E-mail address": "email",
        "First Name": "first_name",
        "last_name": "last_name",
        "Score": "lead_score",
        "tags": "tags",
        "custom_fields": "custom_fields",
    }
    assert report.ignored_columns == ["created_at"]
    [sanna] = (await ws.contacts.list(q="sanna")).items
    assert (sanna.email, sanna.first_name, sanna.last_name) == ("sanna@dvv.fi", "Sanna", "Virtanen")
    assert (sanna.lead_score, sanna.tags) == (55, ("gov", "eu"))
    assert sanna.custom_fields == {"region": "Uusimaa"}
    assert sanna.score_breakdown == {"scorer": "manual", "criteria": []}  # as a hand-set score


async def test_a_row_that_breaks_a_rule_is_reported_with_the_apis_field_names_and_the_rest_import(
    ws: CrmWorkspace,
) -> None:
    bad = {"email": "not-an-address", "lead_score": "101", "lifecycle_stage": "vip"}
    text = (
        "email,lead_score,lifecycle_stage,tags\n"
        "ok@dvv.fi,10,lead,\n"
        f"{bad['email']},{bad['lead_score']},{bad['lifecycle_stage']},\n"
        "also-ok@dvv.fi,,,\n"
    )

    report = await load(ws, "contacts", text)

    with pytest.raises(ValidationFailed) as api:
        await ws.contacts.create(email=bad["email"], lead_score=101, lifecycle_stage="vip")
    assert (report.created, report.failed) == (2, 1)
    assert report.errors == [
        RowError(3, detail["field"], detail["message"]) for detail in api.value.details
    ]
    assert {e.field for e in report.errors} == {"email", "lead_score", "lifecycle_stage"}
    assert (await ws.contacts.list()).total == 2


async def test_cells_that_are_not_their_fields_type_are_row_errors(ws: CrmWorkspace) -> None:
    text = (
        "email,lead_score,tags,custom_fields\n"
        "a@dvv.fi,many,,\n"
        'b@dvv.fi,,"[""unclosed",\n'
        "c@dvv.fi,,,[1]\n"
        "d@dvv.fi,,,{no json\n"
    )

    report = await load(ws, "contacts", text)

    assert errors_of(report) == [
        (2, "lead_score"),
        (3, "tags"),
        (4, "custom_fields"),
        (5, "custom_fields"),
    ]
    assert (report.created, report.failed) == (0, 4)


async def test_row_numbers_are_the_spreadsheets_even_with_multi_line_cells_and_blank_rows(
    ws: CrmWorkspace,
) -> None:
    text = 'email,title\na@dvv.fi,"Head of\nsales"\n\nbad,x\n'

    report = await load(ws, "contacts", text)

    assert errors_of(report) == [(4, "email")]
    assert (await ws.contacts.list(q="a@dvv.fi")).items[0].title == "Head of\nsales"


async def test_on_conflict_skip_leaves_a_record_with_the_same_email_alone(
    ws: CrmWorkspace,
) -> None:
    await ws.contacts.create(email="sanna@dvv.fi", first_name="Sanna", title="CTO")

    report = await load(ws, "contacts", "email,first_name\nSANNA@dvv.fi,Someone\n")

    assert (report.created, report.updated, report.skipped) == (0, 0, 1)
    [contact] = (await ws.contacts.list()).items
    assert contact.first_name == "Sanna"


async def test_on_conflict_update_changes_only_the_fields_whose_cells_are_not_blank(
    ws: CrmWorkspace,
) -> None:
    await ws.contacts.create(email="sanna@dvv.fi", first_name="Sanna", title="CTO")

    report = await load(
        ws, "contacts", "email,first_name,title\nsanna@dvv.fi,,CIO\n", on_conflict="update"
    )

    assert (report.created, report.updated) == (0, 1)
    [contact] = (await ws.contacts.list()).items
    assert (contact.first_name, contact.title) == ("Sanna", "CIO")


async def test_a_key_repeated_in_the_file_creates_once_then_follows_on_conflict(
    ws: CrmWorkspace,
) -> None:
    text = "email,title\na@dvv.fi,first\nA@dvv.fi,second\n"

    skipped = await load(ws, "contacts", text)
    updated = await load(ws, "contacts", text, on_conflict="update")

    assert (skipped.created, skipped.skipped) == (1, 1)
    assert (updated.created, updated.updated) == (0, 2)
    [contact] = (await ws.contacts.list()).items
    assert contact.title == "second"


async def test_rows_without_an_email_cannot_be_matched_so_they_create(ws: CrmWorkspace) -> None:
    report = await load(ws, "contacts", "first_name\nAnna\nAnna\n")

    assert report.created == 2
    assert (await ws.contacts.list()).total == 2


async def test_a_dry_run_reports_what_the_real_run_then_does_and_writes_nothing(
    crm: CRM, workspace_id: str
) -> None:
    ws = crm.workspace(workspace_id)
    await ws.companies.create(name="DVV", domain="dvv.fi")
    await ws.contacts.create(email="old@dvv.fi", first_name="Old")
    text = (
        "email,first_name,company_domain,lead_score\n"
        "old@dvv.fi,Updated,,\n"
        "new@dvv.fi,New,dvv.fi,\n"
        "new@dvv.fi,Again,,\n"
        "bad,x,,\n"
        "x@dvv.fi,,nowhere.fi,\n"
        "y@dvv.fi,,,500\n"
    )
    audit_before = (await ws.audit_log()).total

    dry = await load(ws, "contacts", text, on_conflict="update", dry_run=True)
    after_dry = await everything(ws, "contacts")
    real = await load(ws, "contacts", text, on_conflict="update")

    assert dry.dry_run
    assert not real.dry_run
    counts = ("rows", "created", "updated", "skipped", "suppressed", "failed")
    assert [getattr(dry, c) for c in counts] == [getattr(real, c) for c in counts]
    assert (real.created, real.updated, real.failed) == (1, 2, 3)
    assert dry.errors == real.errors
    assert [c.email for c in after_dry] == ["old@dvv.fi"]
    assert after_dry[0].first_name == "Old"
    assert (await ws.audit_log()).total - audit_before == 3  # the real run's writes only


async def test_company_domain_names_the_contacts_company(ws: CrmWorkspace) -> None:
    company = await ws.companies.create(name="DVV", domain="dvv.fi")

    report = await load(
        ws, "contacts", "email,company_domain\na@dvv.fi,https://www.DVV.fi/\nb@x.fi,x.fi\n"
    )

    assert errors_of(report) == [(3, "company_domain")]
    [contact] = (await ws.contacts.list()).items
    assert contact.company_id == company.id


async def test_a_company_domain_that_is_no_domain_says_so(ws: CrmWorkspace) -> None:
    report = await load(ws, "contacts", "email,company_domain\na@dvv.fi,not a domain\n")

    assert [(e.field, e.message) for e in report.errors] == [
        ("company_domain", "must be a domain name like example.eu")
    ]


async def test_a_row_with_nothing_in_the_imported_columns_is_skipped(ws: CrmWorkspace) -> None:
    report = await load(ws, "contacts", "email,first_name,created_at\n,,2020-01-01\n ,\t,\n")

    assert (report.rows, report.created, report.skipped) == (2, 0, 2)
    assert (await ws.contacts.list()).total == 0


async def test_a_score_written_as_a_spreadsheet_number_is_an_integer(ws: CrmWorkspace) -> None:
    report = await load(ws, "contacts", "email,lead_score\na@dvv.fi,55.0\nb@dvv.fi,55.5\n")

    assert errors_of(report) == [(3, "lead_score")]
    assert report.errors[0].message == "must be a whole number"
    [contact] = (await ws.contacts.list()).items
    assert contact.lead_score == 55


async def test_an_unknown_company_id_is_a_row_error_naming_company_id(ws: CrmWorkspace) -> None:
    report = await load(ws, "contacts", "email,company_id\na@dvv.fi,comp-nowhere\n")

    assert errors_of(report) == [(2, "company_id")]


async def test_an_erased_persons_address_is_not_imported_again(ws: CrmWorkspace) -> None:
    erased = await ws.contacts.create(email="sanna@dvv.fi", first_name="Sanna")
    await ws.contacts.erase(erased.id)

    report = await load(ws, "contacts", "email,first_name\nSanna@dvv.fi,Sanna\nmatti@dvv.fi,M\n")

    assert (report.created, report.suppressed, report.failed) == (1, 1, 0)
    assert errors_of(report) == [(2, "email")]
    assert [c.email for c in await everything(ws, "contacts")] == ["matti@dvv.fi"]


async def test_imports_are_audited_as_the_actor(crm: CRM, workspace_id: str) -> None:
    ws = crm.workspace(workspace_id, actor=Actor("key-importer"))

    await load(ws, "contacts", "email\na@dvv.fi\nb@dvv.fi\n")

    log = await ws.audit_log(resource="contact", action="create")
    assert log.total == 2
    assert {entry.actor for entry in log.items} == {"key-importer"}


async def test_companies_are_upserted_by_their_normalised_domain(ws: CrmWorkspace) -> None:
    await ws.companies.create(name="DVV", domain="dvv.fi")
    text = "name,domain,is_target_account,country\nDVV Oy,https://www.DVV.fi/en,true,fi\nVero,vero.fi,no,FI\n"

    report = await load(ws, "companies", text, on_conflict="update")

    assert (report.created, report.updated, report.failed) == (0, 1, 1)
    assert errors_of(report) == [(3, "is_target_account")]
    [dvv] = (await ws.companies.list()).items
    assert (dvv.name, dvv.is_target_account, dvv.country) == ("DVV Oy", True, "FI")


async def test_more_rows_than_a_chunk_are_all_imported(ws: CrmWorkspace) -> None:
    count = CHUNK * 2 + 3
    text = "email\n" + "".join(f"p{i}@dvv.fi\n" for i in range(count))
    seen: list[int] = []

    report = await load(ws, "contacts", text)
    again = await ws.imports.run("contacts", *read_csv(io.StringIO(text)), progress=seen.append)

    assert report.created == count
    assert (again.skipped, sum(seen)) == (count, count)
    assert len(await everything(ws, "contacts")) == count


async def test_stop_ends_an_import_before_a_row_and_the_report_names_it(
    ws: CrmWorkspace,
) -> None:
    text = "email\n" + "".join(f"p{i}@dvv.fi\n" for i in range(CHUNK + 10))
    asked = 0

    def stop() -> bool:
        nonlocal asked
        asked += 1
        return asked > CHUNK + 3  # after the first chunk and three more rows

    report = await load(ws, "contacts", text, stop=stop)
    resent = await load(ws, "contacts", text)

    assert (report.rows, report.created, report.stopped_at_row) == (CHUNK + 3, CHUNK + 3, CHUNK + 5)
    assert (resent.skipped, resent.created, resent.stopped_at_row) == (CHUNK + 3, 7, None)


@pytest.mark.parametrize(
    ("options", "header", "fields"),
    [
        pytest.param({"map": ["email"]}, ["email"], ["map.0"], id="pair-without-equals"),
        pytest.param({"map": ["Nope=email"]}, ["email"], ["map.0"], id="column-not-in-header"),
        pytest.param({"map": ["email=colour"]}, ["email"], ["map.0"], id="unknown-field"),
        pytest.param(
            {"map": ["A=email", "B=email"]}, ["A", "B"], ["map"], id="two-columns-one-field"
        ),
        pytest.param({}, ["email", "email"], ["header"], id="repeated-header"),
        pytest.param({"on_conflict": "merge"}, ["email"], ["on_conflict"], id="on-conflict"),
        pytest.param({"dry_run": "yes"}, ["email"], ["dry_run"], id="dry-run"),
        pytest.param({"colour": "red"}, ["email"], ["colour"], id="unknown-option"),
    ],
)
async def test_bad_options_fail_before_any_row_naming_the_option(
    ws: CrmWorkspace, options: dict[str, Any], header: list[str], fields: list[str]
) -> None:
    with pytest.raises(ValidationFailed) as failed:
        await ws.imports.run("contacts", header, [], options)

    assert [d["field"] for d in failed.value.details] == fields


async def test_a_mapped_column_wins_over_a_column_named_after_the_same_field(
    ws: CrmWorkspace,
) -> None:
    report = await load(ws, "contacts", "email,Work\nme@home.fi,me@dvv.fi\n", map=["Work=email"])

    assert (report.columns, report.ignored_columns) == ({"Work": "email"}, ["email"])
    assert [c.email for c in await everything(ws, "contacts")] == ["me@dvv.fi"]


async def test_only_contacts_and_companies_can_be_imported(ws: CrmWorkspace) -> None:
    with pytest.raises(ValidationFailed) as failed:
        await ws.imports.run("deals", ["name"], [])

    assert failed.value.details[0]["field"] == "resource"


# -- export -----------------------------------------------------------------------


async def test_an_export_reads_every_record_once_in_keyset_pages(ws: CrmWorkspace) -> None:
    ids = {(await ws.contacts.create(first_name=f"P{i}")).id for i in range(7)}

    pages = [batch async for batch in ws.exports.batches("contacts", batch_size=3)]

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [c.id for page in pages for c in page] == sorted(ids)


async def test_records_added_or_deleted_during_an_export_never_shift_the_others(
    ws: CrmWorkspace,
) -> None:
    before = [(await ws.contacts.create(id=f"c-{i}")).id for i in range(6)]
    exported = []

    async for batch in ws.exports.batches("contacts", batch_size=2):
        exported += [c.id for c in batch]
        if len(exported) == 2:
            await ws.contacts.delete("c-0")  # already read
            await ws.contacts.delete("c-3")  # not yet read
            await ws.contacts.create(id="c-9")

    assert exported == [*before[:3], *before[4:], "c-9"]


async def test_an_export_holds_only_its_workspaces_records(crm: CRM, workspace_id: str) -> None:
    mine, other = crm.workspace(workspace_id), crm.workspace(workspace_id + "-other")
    await other.companies.create(name="Other Oy", domain="other.fi")
    await other.contacts.create(email="x@other.fi")
    company = await mine.companies.create(name="DVV", domain="dvv.fi")
    await mine.deals.create(name="Pilot", company_id=company.id, amount=12.5)
    await mine.activities.create(subject="Call", company_id=company.id)

    assert [c.id for c in await everything(mine, "companies")] == [company.id]
    assert await everything(mine, "contacts") == []
    [deal] = await everything(mine, "deals")
    assert deal.amount_cents == 1250
    assert len(await everything(mine, "activities")) == 1


async def test_an_erased_contact_is_in_no_export(ws: CrmWorkspace) -> None:
    kept = await ws.contacts.create(email="kept@dvv.fi")
    erased = await ws.contacts.create(email="erased@dvv.fi")
    await ws.activities.create(subject="About them", contact_id=erased.id)
    await ws.contacts.erase(erased.id)

    assert [c.id for c in await everything(ws, "contacts")] == [kept.id]
    assert await everything(ws, "activities") == []


async def test_an_unknown_export_kind_fails_before_reading(ws: CrmWorkspace) -> None:
    with pytest.raises(ValidationFailed) as failed:
        ws.exports.batches("tasks")

    assert failed.value.details[0]["field"] == "resource"


async def test_an_exported_csv_imports_into_another_workspace_as_the_same_contacts(
    crm: CRM, workspace_id: str
) -> None:
    source, target = crm.workspace(workspace_id), crm.workspace(workspace_id + "-copy")
    company = await source.companies.create(id="comp-dvv", name="DVV", domain="dvv.fi")
    await source.contacts.create(
        email="sanna@dvv.fi",
        first_name='Sanna, "Äijälä"',
        title="Head of\nIT",
        company_id=company.id,
        lifecycle_stage="sql",
        tags=["gov", "a;b"],
        custom_fields={"region": "Uusimaa", "n": [1, 2]},
    )

    async def exported(ws: CrmWorkspace, resource: str) -> str:
        batches = ws.exports.batches(resource)
        return "".join([chunk async for chunk in export_text(resource, "csv", batches)])

    companies = await load(target, "companies", await exported(source, "companies"))
    contacts = await load(target, "contacts", await exported(source, "contacts"))

    assert (companies.created, contacts.created, contacts.failed) == (1, 1, 0)
    assert "created_at" in contacts.ignored_columns
    fields = ("id", "email", "first_name", "title", "company_id", "lifecycle_stage", "tags")
    [original], [copy] = await everything(source, "contacts"), await everything(target, "contacts")
    assert [getattr(copy, f) for f in fields] == [getattr(original, f) for f in fields]
    assert copy.custom_fields == original.custom_fields


# -- statements: look-ups per chunk and reads per page, never per row ------------


@contextmanager
def statements(store: SqlStore) -> Iterator[list[str]]:
    """The SQL the store's engine runs inside the block."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()).lower())

    event.listen(store.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", record)


async def test_the_store_serves_the_transfer_port(store: SqlStore, workspace_id: str) -> None:
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert isinstance(uow.transfer, TransferRepository)


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
async def test_an_import_looks_keys_up_once_per_chunk_not_once_per_row(
    store: SqlStore, ws: CrmWorkspace, dry_run: bool
) -> None:
    await ws.companies.create(name="DVV", domain="dvv.fi")
    rows = CHUNK + 5  # two chunks
    text = "email,company_domain\n" + "".join(f"p{i}@dvv.fi,dvv.fi\n" for i in range(rows))

    with statements(store) as seen:
        report = await load(ws, "contacts", text, dry_run=dry_run)

    assert report.created == rows
    by_email = [s for s in seen if s.startswith("select") and "contacts.email in" in s]
    by_domain = [s for s in seen if s.startswith("select") and "companies.domain in" in s]
    suppressed = [s for s in seen if s.startswith("select") and "from suppressions" in s]
    assert (len(by_email), len(by_domain)) == (2, 2)
    # The dry run checks the suppression list once per chunk; the real run's creates also
    # check it themselves, one row each, as a single create does.
    assert len(suppressed) == (2 if dry_run else 2 + rows)


async def test_an_export_reads_one_query_per_page(store: SqlStore, ws: CrmWorkspace) -> None:
    for i in range(10):
        await ws.deals.create(name=f"Deal {i}")

    with statements(store) as seen:
        exported = await everything(ws, "deals", batch_size=4)

    assert len(exported) == 10
    pages = [s for s in seen if s.startswith("select") and "from deals" in s]
    assert len(pages) == 3
    # Each page after the first starts after the last id of the one before: no count, and
    # (SQLite's dialect writes OFFSET with every LIMIT) never an offset bound to a row count.
    assert [("deals.id >" in page) for page in pages] == [False, True, True]
    assert not [s for s in seen if "count(" in s]
