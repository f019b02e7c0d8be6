"""Search keys: caseless, normalisation-insensitive substring matching that any store can index."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pauhu_crm_core.entities import Company, Contact
from pauhu_crm_core.search import (
    FIELD_SEPARATOR,
    company_search_text,
    contact_search_text,
    search_key,
    search_term,
)

_NOW = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)


def _contact(
    *, email: str | None = None, first_name: str | None = None, last_name: str | None = None
) -> Contact:
    return Contact(
        id="c-1",
        email=email,
        first_name=first_name,
        last_name=last_name,
        created_at=_NOW,
        updated_at=_NOW,
    )


def _company(name: str, domain: str | None = None) -> Company:
    return Company(id="comp-1", name=name, domain=domain, created_at=_NOW, updated_at=_NOW)


def _finds(q: str, text: str) -> bool:
    term = search_term(q)
    assert term is not None
    return term in text


def test_lower_case_umlauts_find_a_capitalised_name() -> None:
    assert _finds("äijä", contact_search_text(_contact(last_name="Äijälä")))


def test_upper_case_term_finds_a_lower_case_substring() -> None:
    assert _finds("OLA", contact_search_text(_contact(first_name="Nikola")))


@pytest.mark.parametrize(
    ("q", "name"),
    [
        pytest.param(unicodedata.normalize("NFD", "äijä"), "Äijälä", id="decomposed-term"),
        pytest.param("äijä", unicodedata.normalize("NFD", "Äijälä"), id="decomposed-name"),
    ],
)
def test_composed_and_decomposed_letters_match_each_other(q: str, name: str) -> None:
    assert _finds(q, contact_search_text(_contact(last_name=name)))


@pytest.mark.parametrize(
    ("q", "name"),
    [
        pytest.param("STRASSE", "Straße Oy", id="ss-finds-sharp-s"),
        pytest.param("straße", "STRASSE OY", id="sharp-s-finds-ss"),
    ],
)
def test_sharp_s_and_double_s_match_each_other(q: str, name: str) -> None:
    assert _finds(q, company_search_text(_company(name)))


def test_term_that_is_not_in_the_text_finds_nothing() -> None:
    assert not _finds("nikolai", contact_search_text(_contact(first_name="Nikola")))


def test_search_term_collapses_whitespace() -> None:
    assert search_term("  Sanna \t\n  Virtanen ") == search_term("sanna virtanen")


@pytest.mark.parametrize(
    "q",
    [
        pytest.param(None, id="none"),
        pytest.param("", id="empty"),
        pytest.param("  \t\n ", id="whitespace"),
    ],
)
def test_blank_search_term_is_none(q: str | None) -> None:
    assert search_term(q) is None


@pytest.mark.parametrize("q", [pytest.param("%", id="percent"), pytest.param("_", id="underscore")])
def test_sql_wildcards_are_ordinary_characters_of_the_key(q: str) -> None:
    assert search_term(q) == q
    assert not _finds(q, company_search_text(_company("Acme Oy", "acme.fi")))
    assert _finds(q, company_search_text(_company(f"Acme {q} Oy")))


@pytest.mark.parametrize(
    "q",
    [
        pytest.param("Sanna", id="first-name"),
        pytest.param("virtanen", id="last-name"),
        pytest.param("Sanna Virtanen", id="first-and-last"),
        pytest.param("na vir", id="across-the-name-space"),
        pytest.param("sanna.v@dvv", id="email"),
    ],
)
def test_contact_is_found_by_email_name_or_full_name(q: str) -> None:
    contact = _contact(email="sanna.v@dvv.fi", first_name="Sanna", last_name="Virtanen")
    assert _finds(q, contact_search_text(contact))


def test_contact_with_extra_spaces_in_its_name_is_found_by_first_last() -> None:
    contact = _contact(first_name=" Sanna  Maria ", last_name="Virtanen")
    assert _finds("maria virtanen", contact_search_text(contact))


@pytest.mark.parametrize(
    "q", [pytest.param("fi sanna", id="with-space"), pytest.param("fisanna", id="joined")]
)
def test_no_term_matches_across_the_contact_field_separator(q: str) -> None:
    contact = _contact(email="sanna.v@dvv.fi", first_name="Sanna", last_name="Virtanen")
    assert not _finds(q, contact_search_text(contact))


@pytest.mark.parametrize(
    "q",
    [
        pytest.param("väestötieto", id="name"),
        pytest.param("DVV.FI", id="domain"),
    ],
)
def test_company_is_found_by_name_or_domain(q: str) -> None:
    text = company_search_text(_company("Digi- ja väestötietovirasto", "dvv.fi"))
    assert _finds(q, text)


def test_no_term_matches_across_the_company_field_separator() -> None:
    text = company_search_text(_company("Acme", "dvv.fi"))
    assert not _finds("acme dvv", text)
    assert not _finds("acmedvv", text)


@given(st.text())
def test_no_search_term_contains_the_field_separator(q: str) -> None:
    term = search_term(q)
    assert term is None or FIELD_SEPARATOR not in term


_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 äöåüéèñçÄÖÅÜÉÈÑÇøØæÆß"
_texts = st.text(alphabet=_ALPHABET, max_size=40)


@given(_texts)
def test_search_key_is_idempotent(s: str) -> None:
    assert search_key(search_key(s)) == search_key(s)


@given(_texts)
def test_search_key_ignores_case(s: str) -> None:
    assert search_key(s.upper()) == search_key(s.lower())


@given(st.data(), _texts)
def test_every_substring_is_found_in_its_text(data: st.DataObject, s: str) -> None:
    start = data.draw(st.integers(min_value=0, max_value=len(s)), label="start")
    end = data.draw(st.integers(min_value=start, max_value=len(s)), label="end")
    assert search_key(s[start:end]) in search_key(s)
