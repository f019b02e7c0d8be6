"""Building blocks of the OpenAPI document, shared by the modules that describe routes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import ERROR_CODES

WORKSPACE_PARAMETER = {"$ref": "#/components/parameters/WorkspaceId"}
ID_PARAMETER = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def errors(*statuses: int) -> dict[str, Any]:
    return {
        str(status): {"$ref": f"#/components/responses/{ERROR_CODES[status]}"}
        for status in (400, 401, 403, *statuses)
    }


def operation(
    summary: str,
    responses: dict[str, Any],
    *,
    parameters: Sequence[dict[str, Any]] = (),
    body: dict[str, Any] | None = None,
    workspace: bool = True,
) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    params = [WORKSPACE_PARAMETER, *parameters] if workspace else list(parameters)
    if params:
        operation["parameters"] = params
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    if not workspace:
        operation["security"] = []
    return operation


def page_schema(key: str, item: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A list response: ``{key: [item…], "total", "limit", "offset"}`` (plus ``extra``)."""
    properties: dict[str, Any] = {
        key: {"type": "array", "items": item},
        "total": {"type": "integer", "minimum": 0},
        "limit": {"type": "integer", "minimum": 1, "maximum": 100},
        "offset": {"type": "integer", "minimum": 0},
        **extra,
    }
    return {"type": "object", "properties": properties, "required": sorted(properties)}
