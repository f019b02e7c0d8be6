"""OpenAPI descriptions of the scoring, job and privacy routes: a scoring run, the dashboard,
a contact's score history, the scheduled job runs, a contact's export and erasure, and the
audit log."""

from __future__ import annotations

from typing import Any

from pauhu_crm_core import commands as c
from pauhu_crm_core.entities import AuditEntry, JobRun
from pauhu_crm_core.scoring import CriterionScore, ScoreRecord
from pauhu_crm_core.services.privacy import ContactExport

from .openapi_parts import ID_PARAMETER, errors, json_content, operation, page_schema, ref
from .schemas import query_parameters

SCORING_SCHEMA_TYPES = (CriterionScore, ScoreRecord, JobRun, AuditEntry, ContactExport)
ERASED_COUNTS = ("activities", "tasks", "enrollments", "deliveries", "emails")

ERASED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "erased": {"const": True},
        **{name: {"type": "integer", "minimum": 0} for name in ERASED_COUNTS},
        "suppressed": {"type": "boolean"},
    },
    "required": ["id", "erased", *ERASED_COUNTS, "suppressed"],
}

DASHBOARD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "segments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "segment": {"enum": ["hot", "warm", "cold"]},
                    "min": {"type": "integer"},
                    "max": {"type": "integer"},
                    "count": {"type": "integer", "minimum": 0},
                },
                "required": ["segment", "min", "max", "count"],
            },
        },
        "unscored": {"type": "integer", "minimum": 0},
        "average_score": {"anyOf": [{"type": "number"}, {"type": "null"}]},
        "top_prospects": {
            "type": "array",
            "maxItems": 10,
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "name": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "email": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "lead_score": {"type": "integer"},
                    "score_segment": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "company": {
                        "anyOf": [
                            {
                                "type": "object",
                                "properties": {
                                    "id": {"type": "string"},
                                    "name": {"type": "string"},
                                },
                                "required": ["id", "name"],
                            },
                            {"type": "null"},
                        ]
                    },
                },
                "required": [
                    "id",
                    "name",
                    "email",
                    "lead_score",
                    "score_segment",
                    "company",
                ],
            },
        },
    },
    "required": ["segments", "unscored", "average_score", "top_prospects"],
}
SCORED_SCHEMA = {
    "type": "object",
    "properties": {
        "scored": {"type": "integer", "minimum": 0},
        "errors": {"type": "integer", "minimum": 0},
    },
    "required": ["scored", "errors"],
    "additionalProperties": False,
}


def scoring_operations() -> dict[str, dict[str, Any]]:
    return {
        "export_contact": operation(
            "Everything held about a contact, as JSON (GDPR access and portability)",
            {"200": json_content(ref("ContactExport"), "The export"), **errors(404)},
            parameters=[ID_PARAMETER],
        ),
        "erase_contact": operation(
            "Erase a contact and everything linked to it; never e-mail the address again",
            {"200": json_content(ERASED_SCHEMA, "What was erased"), **errors(404)},
            parameters=[ID_PARAMETER],
        ),
        "list_audit": operation(
            "Who changed what and when (field names, never values), newest first",
            {
                "200": json_content(page_schema("audit", ref("AuditEntry")), "Entries"),
                **errors(422),
            },
            parameters=query_parameters(c.AuditQuery),
        ),
        "list_jobs": operation(
            "This workspace's scheduled job runs, newest first",
            {"200": json_content(page_schema("jobs", ref("JobRun")), "Runs"), **errors(422)},
            parameters=query_parameters(c.JobQuery),
        ),
        "run_scoring": operation(
            "Score every unscored contact (rescore=true: every one not scored by hand)",
            {"200": json_content(SCORED_SCHEMA, "How many were scored"), **errors(422)},
            parameters=query_parameters(c.ScoreRunQuery),
        ),
        "dashboard": operation(
            "Segment distribution, unscored contacts, average score and top prospects",
            {"200": json_content(DASHBOARD_SCHEMA, "The dashboard"), **errors()},
        ),
        "list_scores": operation(
            "A contact's score history, newest first",
            {
                "200": json_content(page_schema("scores", ref("ScoreRecord")), "History"),
                **errors(404, 422),
            },
            parameters=[ID_PARAMETER, *query_parameters(c.ScoreHistoryQuery)],
        ),
    }
