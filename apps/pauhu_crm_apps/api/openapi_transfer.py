"""OpenAPI descriptions of the import and export routes: a CSV body in and a report out,
and a streamed CSV or JSON Lines file."""

from __future__ import annotations

from typing import Any

from pauhu_crm_core.services.exports import EXPORT_KINDS
from pauhu_crm_core.services.import_rows import IMPORT_KINDS
from pauhu_crm_core.services.imports import OnConflict

from ..transfer_csv import FORMATS
from .openapi_parts import errors, json_content, operation

COUNTS = ("rows", "created", "updated", "skipped", "suppressed", "failed")

IMPORT_REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "resource": {"enum": list(IMPORT_KINDS)},
        "dry_run": {"type": "boolean"},
        "columns": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "Each imported column and the field it fills.",
        },
        "ignored_columns": {"type": "array", "items": {"type": "string"}},
        **{name: {"type": "integer", "minimum": 0} for name in COUNTS},
        "errors": {
            "type": "array",
            "description": "Row errors (at most 1000): the row number (the header is row 1), "
            "the field as the API names it, and the message.",
            "items": {
                "type": "object",
                "properties": {
                    "row": {"type": "integer", "minimum": 1},
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                },
                "required": ["row", "field", "message"],
                "additionalProperties": False,
            },
        },
        "stopped_at_row": {
            "anyOf": [{"type": "integer", "minimum": 2}, {"type": "null"}],
            "description": "Set when the import ran out of the request's time: the first row "
            "not imported. Send the file again with on_conflict=skip to import the rest.",
        },
    },
    "required": [
        "resource",
        "dry_run",
        "columns",
        "ignored_columns",
        *COUNTS,
        "errors",
        "stopped_at_row",
    ],
    "additionalProperties": False,
}

IMPORT_PARAMETERS = [
    {
        "name": "on_conflict",
        "in": "query",
        "required": False,
        "description": "What a row does whose e-mail (contacts) or domain (companies) an "
        "existing record holds.",
        "schema": {"enum": [c.value for c in OnConflict], "default": OnConflict.SKIP.value},
    },
    {
        "name": "dry_run",
        "in": "query",
        "required": False,
        "description": "Report what would be created, updated or skipped; write nothing.",
        "schema": {"type": "boolean", "default": False},
    },
    {
        "name": "map",
        "in": "query",
        "required": False,
        "description": "column=field: fill the field from that column (repeat for more). "
        "A column named like a field fills it anyway.",
        "schema": {"type": "array", "items": {"type": "string"}},
        "style": "form",
        "explode": True,
    },
]

FORMAT_PARAMETER = {
    "name": "format",
    "in": "query",
    "required": False,
    "schema": {"enum": list(FORMATS), "default": "csv"},
}


def _import_operation(resource: str) -> dict[str, Any]:
    key = "e-mail" if resource == "contacts" else "domain"
    described = operation(
        f"Import {resource} from CSV (upserted by {key}); answers the report",
        {"200": json_content(IMPORT_REPORT_SCHEMA, "The import's report"), **errors(413, 415, 422)},
        parameters=IMPORT_PARAMETERS,
    )
    described["requestBody"] = {
        "required": True,
        "description": "UTF-8 CSV with a header row.",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
    return described


def _export_operation(resource: str) -> dict[str, Any]:
    content = {
        media_type.partition(";")[0]: {"schema": {"type": "string"}}
        for media_type in FORMATS.values()
    }
    return operation(
        f"Every one of the workspace's {resource}, streamed as CSV or JSON Lines",
        {
            "200": {
                "description": "The file (Content-Disposition: attachment)",
                "headers": {
                    "Content-Disposition": {"schema": {"type": "string"}},
                },
                "content": content,
            },
            **errors(422),
        },
        parameters=[FORMAT_PARAMETER],
    )


def transfer_operations() -> dict[str, dict[str, Any]]:
    return {
        **{f"import_{resource}": _import_operation(resource) for resource in IMPORT_KINDS},
        **{f"export_{resource}": _export_operation(resource) for resource in EXPORT_KINDS},
    }
