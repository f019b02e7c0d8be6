"""OpenAPI descriptions of the sequence routes: sequences, enrolments, runs, outbox,
deliveries and the unsubscribe link."""

from __future__ import annotations

from typing import Any

from pauhu_crm_core import commands as c
from pauhu_crm_core import entities as e

from .openapi_parts import ID_PARAMETER, errors, json_content, operation, page_schema, ref
from .schemas import command_schema, query_parameters

SEQUENCE_SCHEMA_TYPES = (
    e.SequenceStep,
    e.EnrollmentCounts,
    e.Enrollment,
    e.OutboxMessage,
    e.Delivery,
    e.RunResult,
)

CONTACT_ID_PARAMETER = {
    "name": "contact_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
}
TOKEN_PARAMETER = {
    "name": "token",
    "in": "query",
    "required": True,
    "schema": {"type": "string"},
    "description": "The signed token from the e-mail's unsubscribe link.",
}


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def sequence_operations() -> dict[str, dict[str, Any]]:
    detail = ref("SequenceDetail")
    writes = (409, 413, 415, 422)
    released = {
        "type": "object",
        "properties": {"id": {"type": "string"}, "released": {"const": True}},
        "required": ["id", "released"],
    }
    return {
        "list_sequences": operation(
            "List sequences with their enrolment counts",
            {"200": json_content(page_schema("sequences", detail), "Sequences"), **errors(422)},
            parameters=query_parameters(c.SequenceQuery),
        ),
        "create_sequences": operation(
            "Create a sequence",
            {"201": json_content(detail, "Created"), **errors(*writes)},
            body=command_schema(c.NewSequence),
        ),
        "get_sequences": operation(
            "Get a sequence: steps, delays and enrolment counts",
            {"200": json_content(detail, "Found"), **errors(404)},
            parameters=[ID_PARAMETER],
        ),
        "update_sequences": operation(
            "Change some fields of a sequence (new steps reschedule its enrolments)",
            {"200": json_content(detail, "Updated"), **errors(404, *writes)},
            parameters=[ID_PARAMETER],
            body=command_schema(c.SequenceChanges),
        ),
        "create_enrollments": operation(
            "Enrol a contact by hand (409 if it is actively enrolled anywhere)",
            {"201": json_content(ref("Enrollment"), "Enrolled"), **errors(404, *writes)},
            parameters=[ID_PARAMETER],
            body=command_schema(c.NewEnrollment),
        ),
        "list_enrollments": operation(
            "List a sequence's enrolments",
            {
                "200": json_content(page_schema("enrollments", ref("Enrollment")), "Enrolments"),
                **errors(404, 422),
            },
            parameters=[ID_PARAMETER, *query_parameters(c.EnrollmentQuery)],
        ),
        "delete_enrollments": operation(
            "Stop a contact's active enrolment in the sequence",
            {"200": json_content(ref("Enrollment"), "Stopped"), **errors(404)},
            parameters=[ID_PARAMETER, CONTACT_ID_PARAMETER],
        ),
        "run_sequences": operation(
            "Run the sequence engine for this workspace now",
            {"200": json_content(ref("RunResult"), "What the run did"), **errors(502)},
        ),
        "list_outbox": operation(
            "E-mails the outbox mailer kept instead of sending, newest first",
            {
                "200": json_content(page_schema("outbox", ref("OutboxMessage")), "Messages"),
                **errors(422),
            },
            parameters=query_parameters(c.OutboxQuery),
        ),
        "list_deliveries": operation(
            "The record of sequence e-mails (status=uncertain: outcome lost, check by hand)",
            {
                "200": json_content(page_schema("deliveries", ref("Delivery")), "Deliveries"),
                **errors(422),
            },
            parameters=query_parameters(c.DeliveryQuery),
        ),
        "retry_deliveries": operation(
            "Let the next run send an uncertain or failed e-mail again",
            {"200": json_content(released, "Released"), **errors(404, 409)},
            parameters=[ID_PARAMETER],
        ),
        "unsubscribe_page": operation(
            "The unsubscribe confirmation page (a button that POSTs)",
            {"200": _html("Confirmation page"), "400": _html("Not a valid link")},
            parameters=[TOKEN_PARAMETER],
            workspace=False,
        ),
        "unsubscribe": operation(
            "Unsubscribe (RFC 8058 one-click: body List-Unsubscribe=One-Click)",
            {"200": _html("Unsubscribed"), "400": _html("Not a valid link")},
            parameters=[TOKEN_PARAMETER],
            workspace=False,
        ),
    }
