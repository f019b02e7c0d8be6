"""Structuring caller input into commands: typed values, or every bad field named at once."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

import pytest

from pauhu_crm_core import commands
from pauhu_crm_core.commands import (
    ActivityChanges,
    ActivityQuery,
    CompanyChanges,
    CompanyQuery,
    ContactChanges,
    ContactQuery,
    DealChanges,
    DealQuery,
    NewActivity,
    NewCompany,
    NewContact,
    NewDeal,
    NewTask,
    PageQuery,
    TaskChanges,
    TaskQuery,
    WorkspaceChanges,
)
from pauhu_crm_core.entities import (
    ActivityType,
    DealStage,
    IcpTier,
    LifecycleStage,
    ScoreSegment,
    TaskPriority,
    TaskStatus,
)
from pauhu_crm_core.errors import ValidationFailed
from pauhu_crm_core.validation import UNSET, provided_fields, structure


def _details(data: Any, command_type: type, read_only: frozenset[str] = frozenset()) -> list:
    with pytest.raises(ValidationFailed) as caught:
        structure(data, command_type, read_only=read_only)
    return caught.value.details


def _messages(data: Any, command_type: type, read_only: frozenset[str] = frozenset()) -> dict:
    return {d["field"]: d["message"] for d in _details(data, command_type, read_only)}


def test_every_bad_field_is_reported_in_one_error() -> None:
    body = {
        "email": "not-an-address",
        "lead_score": True,
        "lifecycle_stage": "prospect",
        "tags": ["ok", " "],
        "colour": "blue",
        "created_at": "2026-03-07T10:00:00Z",
    }
    fields = {d["field"] for d in _details(body, NewContact, commands.NEW_CONTACT_READ_ONLY)}
    assert fields == {"email", "lead_score", "lifecycle_stage", "tags.1", "colour", "created_at"}


def test_error_message_names_the_bad_fields() -> None:
    with pytest.raises(ValidationFailed) as caught:
        structure({"email": "x", "phone": "call me"}, NewContact)
    assert "email" in caught.value.message
    assert "phone" in caught.value.message


@pytest.mark.parametrize(
    ("command_type", "field"),
    [
        pytest.param(NewContact, "colour", id="new-contact"),
        pytest.param(CompanyChanges, "nme", id="company-changes"),
        pytest.param(NewDeal, "amount_cents", id="internal-name-of-amount"),
        pytest.param(TaskQuery, "sort", id="task-query"),
    ],
)
def test_unknown_field_is_rejected_by_name(command_type: type, field: str) -> None:
    assert _messages({field: "x"}, command_type) == {field: "is not a known field"}


@pytest.mark.parametrize(
    ("command_type", "read_only", "field"),
    [
        pytest.param(NewContact, commands.NEW_CONTACT_READ_ONLY, "created_at", id="create-created"),
        pytest.param(NewCompany, commands.COMPANY_READ_ONLY, "workspace_id", id="workspace-id"),
        pytest.param(DealChanges, commands.DEAL_CHANGES_READ_ONLY, "updated_at", id="updated-at"),
        pytest.param(ContactChanges, commands.CONTACT_CHANGES_READ_ONLY, "id", id="contact-id"),
        pytest.param(CompanyChanges, commands.COMPANY_CHANGES_READ_ONLY, "id", id="company-id"),
        pytest.param(ActivityChanges, commands.ACTIVITY_CHANGES_READ_ONLY, "id", id="activity-id"),
        pytest.param(TaskChanges, commands.TASK_CHANGES_READ_ONLY, "id", id="task-id"),
        pytest.param(NewTask, commands.TASK_READ_ONLY, "completed_at", id="new-task-completed"),
        pytest.param(
            TaskChanges, commands.TASK_CHANGES_READ_ONLY, "completed_at", id="task-completed"
        ),
        pytest.param(
            NewContact, commands.NEW_CONTACT_READ_ONLY, "last_activity_at", id="last-activity"
        ),
        pytest.param(
            ContactChanges, commands.CONTACT_CHANGES_READ_ONLY, "score_segment", id="segment"
        ),
        pytest.param(WorkspaceChanges, commands.WORKSPACE_READ_ONLY, "id", id="workspace"),
    ],
)
def test_read_only_field_is_rejected_as_read_only(
    command_type: type, read_only: frozenset[str], field: str
) -> None:
    body: dict[str, Any] = {field: None}
    if command_type is NewTask:
        body["title"] = "Call back"
    assert _messages(body, command_type, read_only) == {field: "is read-only"}


def test_create_may_choose_its_own_id() -> None:
    command = structure({"id": "comp-dvv"}, NewCompany, read_only=commands.COMPANY_READ_ONLY)
    assert command.id == "comp-dvv"


def test_bad_tag_is_reported_with_its_dotted_path() -> None:
    assert _messages({"tags": ["ok", "", "fine"]}, ContactChanges) == {
        "tags.1": "must not be blank"
    }


@pytest.mark.parametrize(
    ("command_type", "field"),
    [
        pytest.param(NewContact, "lifecycle_stage", id="new-contact-stage"),
        pytest.param(ContactChanges, "lifecycle_stage", id="contact-changes-stage"),
        pytest.param(NewContact, "tags", id="new-contact-tags"),
        pytest.param(ContactChanges, "tags", id="contact-changes-tags"),
        pytest.param(NewCompany, "name", id="new-company-name"),
        pytest.param(CompanyChanges, "name", id="company-changes-name"),
        pytest.param(NewCompany, "is_target_account", id="target-account"),
        pytest.param(DealChanges, "stage", id="deal-stage"),
        pytest.param(NewDeal, "currency", id="currency"),
        pytest.param(ActivityChanges, "occurred_at", id="occurred-at"),
        pytest.param(TaskChanges, "status", id="task-status"),
        pytest.param(WorkspaceChanges, "timezone", id="workspace-timezone"),
    ],
)
def test_null_is_rejected_for_a_non_nullable_field(command_type: type, field: str) -> None:
    assert _messages({field: None}, command_type) == {field: "must not be null"}


@pytest.mark.parametrize(
    ("command_type", "field"),
    [
        pytest.param(ContactChanges, "email", id="contact-email"),
        pytest.param(ContactChanges, "company_id", id="contact-company"),
        pytest.param(CompanyChanges, "domain", id="company-domain"),
        pytest.param(CompanyChanges, "icp_tier", id="company-icp-tier"),
        pytest.param(DealChanges, "amount", id="deal-amount"),
        pytest.param(DealChanges, "expected_close_date", id="deal-expected-close"),
        pytest.param(TaskChanges, "due_date", id="task-due-date"),
    ],
)
def test_null_clears_a_nullable_field_in_an_update(command_type: type, field: str) -> None:
    command = structure({field: None}, command_type)
    assert getattr(command, field) is None
    assert provided_fields(command) == {field: None}


def test_partial_update_leaves_absent_fields_unset() -> None:
    command = structure({"first_name": " Sanna "}, ContactChanges)
    assert command.first_name == "Sanna"
    assert command.last_name is UNSET
    assert command.email is UNSET
    assert command.tags is UNSET


def test_provided_fields_are_only_the_given_ones() -> None:
    command = structure({"stage": "proposal", "amount": None}, DealChanges)
    assert provided_fields(command) == {"stage": DealStage.PROPOSAL, "amount": None}


def test_empty_update_provides_no_fields() -> None:
    assert provided_fields(structure({}, TaskChanges)) == {}


@pytest.mark.parametrize(
    ("command_type", "field", "value", "message"),
    [
        pytest.param(NewContact, "lead_score", True, "integer", id="true-is-not-an-int"),
        pytest.param(NewContact, "lead_score", "85", "integer", id="string-is-not-an-int"),
        pytest.param(NewContact, "lead_score", 85.5, "whole number", id="fraction"),
        pytest.param(NewContact, "lead_score", 101, "between 0 and 100", id="over-100"),
        pytest.param(NewDeal, "probability", -1, "between 0 and 100", id="negative-probability"),
        pytest.param(NewContact, "first_name", 5, "string", id="number-is-not-a-string"),
        pytest.param(NewCompany, "name", ["Acme"], "string", id="array-is-not-a-string"),
        pytest.param(NewCompany, "tags", "vip", "array", id="string-is-not-tags"),
        pytest.param(NewActivity, "metadata", [], "object", id="array-is-not-an-object"),
    ],
)
def test_strictly_typed_field_rejects_other_json_types(
    command_type: type, field: str, value: object, message: str
) -> None:
    messages = _messages({field: value}, command_type)
    assert list(messages) == [field]
    assert message in messages[field]


def test_whole_float_is_accepted_as_an_int() -> None:
    assert structure({"lead_score": 85.0}, NewContact).lead_score == 85


@pytest.mark.parametrize(
    ("command_type", "field", "value"),
    [
        pytest.param(NewCompany, "is_target_account", "true", id="string-true"),
        pytest.param(NewCompany, "is_target_account", "false", id="string-false"),
        pytest.param(CompanyChanges, "is_target_account", 1, id="one"),
        pytest.param(WorkspaceChanges, "auto_enroll", "false", id="workspace-auto-enroll"),
    ],
)
def test_boolean_field_in_a_body_rejects_non_booleans(
    command_type: type, field: str, value: object
) -> None:
    messages = _messages({field: value}, command_type)
    assert list(messages) == [field]
    assert messages[field].startswith("must be true or false")


@pytest.mark.parametrize("value", [pytest.param(True, id="true"), pytest.param(False, id="false")])
def test_boolean_field_in_a_body_accepts_json_booleans(value: bool) -> None:
    assert structure({"is_target_account": value}, NewCompany).is_target_account is value


@pytest.mark.parametrize(
    ("command_type", "field", "enum"),
    [
        pytest.param(NewContact, "lifecycle_stage", LifecycleStage, id="lifecycle-stage"),
        pytest.param(NewDeal, "stage", DealStage, id="deal-stage"),
        pytest.param(NewActivity, "type", ActivityType, id="activity-type"),
        pytest.param(TaskChanges, "priority", TaskPriority, id="task-priority"),
        pytest.param(NewTask, "status", TaskStatus, id="task-status"),
        pytest.param(CompanyChanges, "icp_tier", IcpTier, id="icp-tier"),
        pytest.param(ContactQuery, "segment", ScoreSegment, id="segment-filter"),
    ],
)
def test_unknown_enum_value_is_rejected_listing_the_allowed_values(
    command_type: type, field: str, enum: type[StrEnum]
) -> None:
    body: dict[str, Any] = {field: "no-such-value"}
    if command_type is NewTask:
        body["title"] = "Call back"
    message = _messages(body, command_type)[field]
    assert message.startswith("must be one of")
    assert all(member.value in message for member in enum)


def test_enum_field_takes_its_value_string() -> None:
    assert structure({"stage": "closed_won"}, NewDeal).stage is DealStage.CLOSED_WON


@pytest.mark.parametrize(
    ("command_type", "body", "field", "default"),
    [
        pytest.param(NewContact, {}, "lifecycle_stage", LifecycleStage.SUBSCRIBER, id="stage"),
        pytest.param(NewContact, {}, "email", None, id="contact-email"),
        pytest.param(NewContact, {}, "tags", (), id="contact-tags"),
        pytest.param(NewContact, {}, "custom_fields", {}, id="contact-custom-fields"),
        pytest.param(NewCompany, {}, "name", "Unknown Company", id="company-name"),
        pytest.param(NewCompany, {}, "is_target_account", False, id="target-account"),
        pytest.param(NewDeal, {}, "name", "New Deal", id="deal-name"),
        pytest.param(NewDeal, {}, "stage", DealStage.LEAD, id="deal-stage"),
        pytest.param(NewDeal, {}, "currency", "EUR", id="deal-currency"),
        pytest.param(NewDeal, {}, "amount", None, id="deal-amount"),
        pytest.param(NewDeal, {}, "probability", None, id="deal-probability"),
        pytest.param(NewActivity, {}, "type", ActivityType.NOTE, id="activity-type"),
        pytest.param(NewActivity, {}, "metadata", {}, id="activity-metadata"),
        pytest.param(NewTask, {"title": "T"}, "priority", TaskPriority.MEDIUM, id="priority"),
        pytest.param(NewTask, {"title": "T"}, "status", TaskStatus.TODO, id="status"),
        pytest.param(PageQuery, {}, "limit", 50, id="limit"),
        pytest.param(PageQuery, {}, "offset", 0, id="offset"),
    ],
)
def test_new_record_defaults_match_the_api(
    command_type: type, body: dict[str, Any], field: str, default: object
) -> None:
    assert getattr(structure(body, command_type), field) == default


def test_mutable_defaults_are_not_shared_between_commands() -> None:
    first = structure({}, NewContact)
    second = structure({}, NewContact)
    assert first.custom_fields is not second.custom_fields


def test_task_without_a_title_is_rejected_as_required() -> None:
    assert _messages({}, NewTask, commands.TASK_READ_ONLY) == {"title": "is required"}


def test_task_with_a_blank_title_is_rejected() -> None:
    assert _messages({"title": "   "}, NewTask) == {"title": "must not be blank"}


def test_name_over_255_characters_is_rejected() -> None:
    assert _messages({"name": "x" * 256}, NewCompany) == {"name": "must be at most 255 characters"}


def test_values_are_normalised_while_structuring() -> None:
    command = structure(
        {"domain": "https://www.DVV.fi/path", "country": "fi", "tags": ["eu", " eu "]}, NewCompany
    )
    assert (command.domain, command.country, command.tags) == ("dvv.fi", "FI", ("eu",))


def test_amount_is_structured_as_cents() -> None:
    assert structure({"amount": 1250.5}, NewDeal).amount == 125050


def test_huge_amount_is_a_field_error_not_a_crash() -> None:
    assert _messages({"amount": "1e999999999"}, NewDeal) == {"amount": "is too large"}


def test_expected_close_date_must_be_a_real_date() -> None:
    assert _messages({"expected_close_date": "2026-02-30"}, NewDeal) == {
        "expected_close_date": "is not a real calendar date"
    }


def test_date_field_is_structured_as_a_date() -> None:
    command = structure({"due_date": "2026-09-01"}, TaskChanges)
    assert command.due_date == date(2026, 9, 1)


@pytest.mark.parametrize(
    ("command_type", "params", "expected"),
    [
        pytest.param(
            PageQuery, {"limit": "20", "offset": "40"}, {"limit": 20, "offset": 40}, id="ints"
        ),
        pytest.param(PageQuery, {"limit": 20}, {"limit": 20}, id="json-int"),
        pytest.param(CompanyQuery, {"target": "true"}, {"target": True}, id="true"),
        pytest.param(TaskQuery, {"overdue": "false"}, {"overdue": False}, id="false"),
        pytest.param(ContactQuery, {"stage": "lead"}, {"stage": LifecycleStage.LEAD}, id="enum"),
        pytest.param(ActivityQuery, {"type": "call"}, {"type": ActivityType.CALL}, id="type"),
    ],
)
def test_query_parameters_are_parsed_from_url_strings(
    command_type: type, params: dict[str, str], expected: dict[str, object]
) -> None:
    query = structure(params, command_type)
    assert {name: getattr(query, name) for name in expected} == expected


@pytest.mark.parametrize(
    ("command_type", "params", "field"),
    [
        pytest.param(PageQuery, {"limit": "x"}, "limit", id="limit-word"),
        pytest.param(PageQuery, {"limit": "1.5"}, "limit", id="limit-fraction"),
        pytest.param(PageQuery, {"offset": ""}, "offset", id="offset-empty"),
        pytest.param(PageQuery, {"offset": "--5"}, "offset", id="offset-double-minus"),
        pytest.param(PageQuery, {"limit": True}, "limit", id="limit-boolean"),
        pytest.param(CompanyQuery, {"target": "yes"}, "target", id="target-yes"),
        pytest.param(CompanyQuery, {"target": "1"}, "target", id="target-one"),
        pytest.param(TaskQuery, {"overdue": "True"}, "overdue", id="overdue-capitalised"),
        pytest.param(DealQuery, {"stage": "won"}, "stage", id="stage"),
    ],
)
def test_malformed_query_parameter_is_rejected(
    command_type: type, params: dict[str, object], field: str
) -> None:
    assert list(_messages(params, command_type)) == [field]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param([{"name": "Acme"}], id="array"),
        pytest.param("Acme", id="string"),
        pytest.param(5, id="number"),
    ],
)
def test_body_that_is_not_an_object_is_reported_on_the_body(body: object) -> None:
    assert _details(body, NewCompany) == [{"field": "(body)", "message": "must be a JSON object"}]


def test_missing_body_creates_with_defaults() -> None:
    assert structure(None, NewCompany).name == "Unknown Company"


def test_unknown_time_zone_in_workspace_settings_is_rejected() -> None:
    messages = _messages({"timezone": "Mars/Olympus"}, WorkspaceChanges)
    assert list(messages) == ["timezone"]
