"""The CSV of import and export: what an export writes, an import reads back exactly."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pauhu_crm_apps.transfer_csv import csv_line, csv_rows, export_columns, read_csv
from pauhu_crm_core import Company, Contact, ValidationFailed
from pauhu_crm_core.commands import NEW_CONTACT_READ_ONLY, NewCompany, NewContact
from pauhu_crm_core.normalise import MAX_JSON_NUMBER, MAX_TAG_LENGTH, text
from pauhu_crm_core.services.import_rows import column_fields, row_body, tags_cell
from pauhu_crm_core.validation import structure

NOW = datetime(2026, 3, 7, 10, tzinfo=UTC)


def _canonical(value: str) -> str | None:
    try:
        return text(value)
    except ValueError:
        return None


# Any text a field may hold after validation (trimmed, at most 255, no NUL): non-ASCII,
# quotes, commas, semicolons, line breaks and surrogate-free unicode included.
field_text = (
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=80)
    .map(_canonical)
    .filter(lambda value: value is not None)
)
tag = field_text.filter(lambda value: value is not None and len(value) <= MAX_TAG_LENGTH)
json_scalar = (
    st.none() | st.booleans() | st.integers(-MAX_JSON_NUMBER, MAX_JSON_NUMBER) | field_text
)
custom_fields = st.dictionaries(
    st.text(max_size=10).filter(lambda k: "\x00" not in k),
    json_scalar | st.lists(json_scalar, max_size=3),
    max_size=4,
)


def _read_back(resource: str, record: Any) -> dict[str, object]:
    """``record`` through an export's CSV and back to the body an import makes of it."""
    exported = csv_line(export_columns(resource)) + csv_rows([record])
    header, rows = read_csv(io.StringIO(exported, newline=""))
    [row] = list(rows)
    assert row.error is None
    return row_body(column_fields(resource, header), row.cells)


@given(
    first_name=field_text,
    last_name=field_text,
    title=field_text,
    tags=st.lists(tag, max_size=6, unique=True),
    custom=custom_fields,
    score=st.integers(0, 100),
)
def test_a_contact_survives_a_csv_round_trip(
    first_name: str | None,
    last_name: str | None,
    title: str | None,
    tags: list[str],
    custom: dict[str, Any],
    score: int,
) -> None:
    contact = Contact(
        id="abc-123",
        email="sanna@dvv.fi",
        first_name=first_name,
        last_name=last_name,
        title=title,
        tags=tuple(tags),
        custom_fields=custom,
        lead_score=score,
        created_at=NOW,
        updated_at=NOW,
    )

    body = _read_back("contacts", contact)
    command = structure(body, NewContact, read_only=NEW_CONTACT_READ_ONLY)

    assert (command.first_name, command.last_name, command.title) == (
        first_name,
        last_name,
        title,
    )
    assert command.tags == tuple(tags)
    assert command.custom_fields == custom
    assert (command.id, command.email, command.lead_score) == ("abc-123", "sanna@dvv.fi", score)


@given(name=field_text, description=field_text, target=st.booleans())
def test_a_company_survives_a_csv_round_trip(
    name: str, description: str | None, target: bool
) -> None:
    company = Company(
        id="comp-dvv",
        name=name,
        domain="dvv.fi",
        description=description,
        is_target_account=target,
        created_at=NOW,
        updated_at=NOW,
    )

    command = structure(_read_back("companies", company), NewCompany)

    assert (command.name, command.description, command.is_target_account) == (
        name,
        description,
        target,
    )


@pytest.mark.parametrize(
    ("tags", "cell"),
    [
        pytest.param(["gov", "eu"], "gov;eu", id="plain"),
        pytest.param(["a;b", "c"], '["a;b", "c"]', id="a-tag-with-a-semicolon"),
        pytest.param(["[draft]"], '["[draft]"]', id="looks-like-json"),
        pytest.param([], "", id="none"),
    ],
)
def test_tags_are_one_cell_separated_by_semicolons_unless_that_would_be_ambiguous(
    tags: list[str], cell: str
) -> None:
    assert tags_cell(tags) == cell


def test_a_header_with_people_friendly_names_maps_to_the_fields() -> None:
    header = ["E Mail", "First Name", "last-name", " Title ", "Notes"]

    assert column_fields("contacts", header, ["E Mail=email"]) == {
        "E Mail": "email",
        "First Name": "first_name",
        "last-name": "last_name",
        " Title ": "title",
    }


def test_an_export_header_names_the_api_fields_money_included() -> None:
    assert "amount" in export_columns("deals")
    assert "amount_cents" not in export_columns("deals")
    assert export_columns("contacts")[:2] == ["id", "email"]


def test_a_header_that_repeats_many_columns_gets_a_bounded_answer() -> None:
    header = [f"c{i}" for i in range(1000)] * 2

    with pytest.raises(ValidationFailed) as failed:
        column_fields("contacts", header)

    assert len(failed.value.details) == 20
    assert {detail["field"] for detail in failed.value.details} == {"header"}
