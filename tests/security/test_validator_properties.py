"""Properties of the input validators over arbitrary input (hypothesis).

``tests/unit/test_normalise.py`` and ``test_search.py`` pin the rules value by
value and already check e-mail, domain, amount and search-key properties.
These add what an attacker's input relies on: validation is total (any JSON
becomes a command or a ``ValidationFailed``, never a crash), nothing a store
cannot hold or the API cannot encode gets through (NUL characters, numbers
past 2**53), normalisers are fixed points, ids match their patterns exactly,
forged tokens are refused without an exception, and a template accepted at
save time always renders with its values escaped.
"""

from __future__ import annotations

import string
from typing import Any

import attrs
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pauhu_crm_core import commands, normalise
from pauhu_crm_core.api_keys import format_token, parse_token
from pauhu_crm_core.errors import ValidationFailed
from pauhu_crm_core.templates import PLACEHOLDERS, render_html, render_text, template_problems
from pauhu_crm_core.unsubscribe import make_token, read_token
from pauhu_crm_core.validation import structure

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["", " ", "\x00", "a\x00b", "2026-02-30", "EUR", "FI", "x@y.fi", "-1"])
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=12,
)
COMMAND_TYPES = [
    kind
    for name, kind in vars(commands).items()
    if isinstance(kind, type) and attrs.has(kind) and kind.__module__ == commands.__name__
]
QUERY_TYPES = [kind for kind in COMMAND_TYPES if kind.__name__.endswith("Query")]
BODY_TYPES = [kind for kind in COMMAND_TYPES if kind not in QUERY_TYPES]


def _bodies(command_type: type) -> st.SearchStrategy[dict[str, Any]]:
    """Mostly the command's own field names, sometimes others, with any JSON values."""
    names = [field.name for field in attrs.fields(command_type)]
    keys = st.sampled_from(names) | st.text(max_size=8)
    return st.dictionaries(keys, JSON_VALUES, max_size=len(names) + 1)


@pytest.mark.parametrize("command_type", BODY_TYPES, ids=lambda kind: kind.__name__)
@settings(max_examples=40)  # x 15 commands: the bodies share their value strategies
@given(data=st.data())
def test_any_json_body_becomes_a_command_or_named_field_errors(
    command_type: type, data: st.DataObject
) -> None:
    body = data.draw(_bodies(command_type), label="body")
    known = {"(body)", *body, *(field.name for field in attrs.fields(command_type))}
    try:
        structure(body, command_type, read_only=frozenset({"created_at"}))
    except ValidationFailed as refused:
        details = refused.details
    else:
        return
    assert details
    for detail in details:
        assert detail["message"]
        field = detail["field"]
        assert any(field == key or field.startswith(f"{key}.") for key in known), detail


@pytest.mark.parametrize("query_type", QUERY_TYPES, ids=lambda kind: kind.__name__)
@given(data=st.data())
def test_any_query_string_becomes_a_query_or_named_field_errors(
    query_type: type, data: st.DataObject
) -> None:
    names = [field.name for field in attrs.fields(query_type)]
    params = data.draw(
        st.dictionaries(st.sampled_from(names) | st.text(max_size=8), st.text(max_size=24)),
        label="params",
    )
    try:
        structure(params, query_type)
    except ValidationFailed as refused:
        details = refused.details
    else:
        return
    assert {detail["field"] for detail in details} <= set(params) | set(names)


TEXT_PARSERS = [
    pytest.param(normalise.text, id="text"),
    pytest.param(lambda v: normalise.text(v, max_length=normalise.MAX_BODY_LENGTH), id="body"),
    pytest.param(normalise.email, id="email"),
    pytest.param(normalise.domain, id="domain"),
    pytest.param(normalise.http_url, id="url"),
    pytest.param(normalise.phone, id="phone"),
    pytest.param(normalise.country, id="country"),
    pytest.param(normalise.currency, id="currency"),
    pytest.param(normalise.entity_id, id="id"),
]


@pytest.mark.parametrize("parse", TEXT_PARSERS)
@given(raw=st.text())
def test_no_text_value_with_a_nul_character_is_accepted(parse: Any, raw: str) -> None:
    """PostgreSQL cannot store U+0000 and SQLite's FTS5 stops at it: refuse, never crash."""
    with pytest.raises(ValueError, match="NUL"):
        parse(raw[: len(raw) // 2] + "\x00" + raw[len(raw) // 2 :])


@pytest.mark.parametrize("parse", TEXT_PARSERS)
@given(raw=st.text(alphabet=string.printable + "äöÅ\u00a0\u2028ｄ", max_size=40))
def test_text_normalisers_are_fixed_points(parse: Any, raw: str) -> None:
    try:
        once = parse(raw)
    except ValueError:
        return
    if isinstance(once, str):
        assert parse(once) == once
        assert once == once.strip()


@given(raw=st.text(max_size=300))
def test_accepted_text_is_trimmed_and_within_its_limit(raw: str) -> None:
    try:
        value = normalise.text(raw)
    except ValueError:
        assert "\x00" in raw or len(raw.strip()) > normalise.MAX_NAME_LENGTH
        return
    assert value is None or (value == value.strip() and len(value) <= normalise.MAX_NAME_LENGTH)


@given(raw=st.lists(JSON_SCALARS, max_size=60))
def test_accepted_tags_are_unique_trimmed_short_text(raw: list[Any]) -> None:
    try:
        tags = normalise.tags(raw)
    except ValueError:
        return
    assert len(tags) == len(set(tags)) <= normalise.MAX_TAGS
    assert all(tag == tag.strip() and 0 < len(tag) <= normalise.MAX_TAG_LENGTH for tag in tags)


def _strings_and_numbers(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [*value, *(x for item in value.values() for x in _strings_and_numbers(item))]
    if isinstance(value, list):
        return [x for item in value for x in _strings_and_numbers(item)]
    return [value]


@given(raw=st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=6))
def test_an_accepted_json_object_is_one_every_store_and_the_api_can_hold(
    raw: dict[str, Any],
) -> None:
    try:
        stored = normalise.json_object(raw)
    except ValueError:
        return
    encoded = orjson.dumps(stored)  # the API's encoder: 64-bit integers at most
    assert orjson.loads(encoded) == stored
    assert len(encoded) <= normalise.MAX_JSON_OBJECT_BYTES
    for leaf in _strings_and_numbers(stored):
        if isinstance(leaf, str):
            assert "\x00" not in leaf
        elif isinstance(leaf, int | float) and not isinstance(leaf, bool):
            assert abs(leaf) <= normalise.MAX_JSON_NUMBER


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param({"big": 2**64}, id="integer-past-64-bits"),
        pytest.param({"big": 1e20}, id="float-that-jsonb-returns-as-an-integer"),
        pytest.param({"n": [1, {"deep": -(2**53)}]}, id="nested"),
        pytest.param({"a\x00": 1}, id="nul-in-a-key"),
        pytest.param({"a": ["\x00"]}, id="nul-in-a-value"),
    ],
)
def test_a_json_object_a_store_would_mangle_is_refused_naming_the_path(
    raw: dict[str, Any],
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        structure({"custom_fields": raw}, commands.NewContact)

    [detail] = refused.value.details
    assert detail["field"].startswith("custom_fields.")


@given(raw=st.text(max_size=70))
def test_ids_are_accepted_exactly_when_they_match_the_pattern(raw: str) -> None:
    for parse, pattern in (
        (normalise.entity_id, normalise.ID_PATTERN),
        (normalise.workspace_id, normalise.WORKSPACE_ID_PATTERN),
    ):
        try:
            parse(raw)
        except ValueError:
            assert not pattern.fullmatch(raw)
        else:
            assert pattern.fullmatch(raw)


WORKSPACE_IDS = st.from_regex(normalise.WORKSPACE_ID_PATTERN, fullmatch=True)
RECORD_IDS = st.from_regex(normalise.ID_PATTERN, fullmatch=True)


@given(token=st.text(max_size=200))
def test_any_text_is_refused_as_an_api_key_or_parsed_whole(token: str) -> None:
    parsed = parse_token(token)
    if parsed is not None:
        assert format_token(*parsed) == token


@given(secret=st.text(min_size=1, max_size=40), token=st.text(max_size=600))
def test_a_forged_unsubscribe_token_is_refused_without_a_crash(secret: str, token: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        read_token(secret, token)

    assert [d["field"] for d in refused.value.details] == ["token"]


@given(
    secret=st.text(min_size=1, max_size=40),
    workspace_id=WORKSPACE_IDS,
    contact_id=RECORD_IDS,
    other_secret=st.text(min_size=1, max_size=40),
)
def test_an_unsubscribe_token_reads_back_only_under_its_own_secret(
    secret: str, workspace_id: str, contact_id: str, other_secret: str
) -> None:
    token = make_token(secret, workspace_id, contact_id)

    assert read_token(secret, token) == (workspace_id, contact_id)
    if other_secret != secret:
        with pytest.raises(ValidationFailed):
            read_token(other_secret, token)


PLACEHOLDER_TEXT = st.sampled_from(sorted(f"{{{{ {name} }}}}" for name in PLACEHOLDERS))
TEMPLATES = st.lists(st.text(max_size=12) | PLACEHOLDER_TEXT, max_size=6).map("".join)
VALUES = st.fixed_dictionaries(
    {name: st.text(max_size=10) | st.just("<script>alert(1)</script>") for name in PLACEHOLDERS}
)


@given(template=TEMPLATES, values=VALUES)
def test_a_template_accepted_at_save_time_always_renders_with_escaped_values(
    template: str, values: dict[str, str]
) -> None:
    if template_problems(template):
        return

    text = render_text(template, values)
    page = render_html(template, values)

    assert all(value in text for name, value in values.items() if f"{{{{ {name} }}}}" in template)
    assert "<script>" not in page  # values and the template's own text are both escaped
