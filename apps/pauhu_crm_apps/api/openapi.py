"""``GET /openapi.json``: the OpenAPI 3.1 description of every route the app serves.

Each route is described by its name (``list_contacts``, ``get_workspace``, …);
a route without a description makes building the app fail, so the spec can
never silently miss one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from attrs import frozen
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pauhu_crm_core import commands as c
from pauhu_crm_core import entities as e

from .errors import ERROR_CODES
from .responses import json_response
from .schemas import command_schema, detail_schema, entity_schema, query_parameters


@frozen
class RecordKind:
    entity: type
    new: type
    changes: type
    query: type
    detail: type | None = None


RECORD_KINDS: dict[str, RecordKind] = {
    "contacts": RecordKind(
        e.Contact, c.NewContact, c.ContactChanges, c.ContactQuery, e.ContactDetail
    ),
    "companies": RecordKind(
        e.Company, c.NewCompany, c.CompanyChanges, c.CompanyQuery, e.CompanyDetail
    ),
    "deals": RecordKind(e.Deal, c.NewDeal, c.DealChanges, c.DealQuery, e.DealDetail),
    "activities": RecordKind(e.Activity, c.NewActivity, c.ActivityChanges, c.ActivityQuery),
    "tasks": RecordKind(e.Task, c.NewTask, c.TaskChanges, c.TaskQuery),
}

WORKSPACE_PARAMETER = {"$ref": "#/components/parameters/WorkspaceId"}
ID_PARAMETER = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {
        str(status): {"$ref": f"#/components/responses/{ERROR_CODES[status]}"}
        for status in (400, 401, 403, *statuses)
    }


def _operation(
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


def _record_operations(plural: str, kind: RecordKind) -> dict[str, dict[str, Any]]:
    name = kind.entity.__name__
    list_properties: dict[str, Any] = {
        plural: {"type": "array", "items": _ref(name)},
        "total": {"type": "integer", "minimum": 0},
        "limit": {"type": "integer", "minimum": 1, "maximum": 100},
        "offset": {"type": "integer", "minimum": 0},
    }
    if plural == "deals":
        list_properties["pipeline"] = {"type": "array", "items": _ref("PipelineStage")}
    list_schema = {
        "type": "object",
        "properties": list_properties,
        "required": sorted(list_properties),
    }
    shown = _ref(kind.detail.__name__) if kind.detail else _ref(name)
    deleted = {
        "type": "object",
        "properties": {"id": {"type": "string"}, "deleted": {"const": True}},
        "required": ["id", "deleted"],
    }
    item = [ID_PARAMETER]
    writes = (409, 413, 415, 422)
    return {
        f"list_{plural}": _operation(
            f"List {plural}",
            {"200": _json(list_schema, f"A page of {plural}"), **_errors(422)},
            parameters=query_parameters(kind.query),
        ),
        f"create_{plural}": _operation(
            f"Create a {name.lower()}",
            {"201": _json(_ref(name), "Created"), **_errors(*writes)},
            body=command_schema(kind.new),
        ),
        f"get_{plural}": _operation(
            f"Get a {name.lower()}",
            {"200": _json(shown, "Found"), **_errors(404)},
            parameters=item,
        ),
        f"update_{plural}": _operation(
            f"Change some fields of a {name.lower()}",
            {"200": _json(_ref(name), "Updated"), **_errors(404, *writes)},
            parameters=item,
            body=command_schema(kind.changes),
        ),
        f"delete_{plural}": _operation(
            f"Delete a {name.lower()}",
            {"200": _json(deleted, "Deleted"), **_errors(404)},
            parameters=item,
        ),
    }


def _other_operations() -> dict[str, dict[str, Any]]:
    health = {
        "type": "object",
        "properties": {
            "service": {"type": "string"},
            "jurisdiction": {"const": "eu"},
            "status": {"enum": ["healthy", "unhealthy"]},
            "timestamp": {"type": "string", "format": "date-time"},
            "services": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "required": ["service", "jurisdiction", "status", "timestamp"],
    }
    return {
        "health": _operation(
            "Service health, including the database",
            {"200": _json(health, "Healthy"), "503": _json(health, "Unhealthy")},
            workspace=False,
        ),
        "openapi": _operation(
            "This document", {"200": _json({"type": "object"}, "OpenAPI 3.1")}, workspace=False
        ),
        "get_workspace": _operation(
            "The caller's workspace settings (created on first use)",
            {"200": _json(_ref("Workspace"), "Settings"), **_errors()},
        ),
        "update_workspace": _operation(
            "Change the workspace settings",
            {"200": _json(_ref("Workspace"), "Updated"), **_errors(413, 415, 422)},
            body=command_schema(c.WorkspaceChanges),
        ),
    }


def _components() -> dict[str, Any]:
    schemas: dict[str, Any] = {
        kind.__name__: entity_schema(kind)
        for kind in (e.Workspace, e.PipelineStage, *(k.entity for k in RECORD_KINDS.values()))
    }
    for kind in RECORD_KINDS.values():
        if kind.detail is not None:
            schemas[kind.detail.__name__] = detail_schema(kind.detail)
    schemas["Error"] = {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "code": {"enum": sorted(set(ERROR_CODES.values()))},
                    "message": {"type": "string"},
                    "details": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "field": {"type": "string"},
                                "message": {"type": "string"},
                            },
                            "required": ["field", "message"],
                        },
                    },
                },
                "required": ["code", "message", "details"],
            }
        },
        "required": ["error"],
    }
    return {
        "schemas": schemas,
        "responses": {
            code: _json(_ref("Error"), f"Error ({status} {code})")
            for status, code in ERROR_CODES.items()
        },
        "parameters": {
            "WorkspaceId": {
                "name": "X-Workspace-ID",
                "in": "header",
                "required": True,
                "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,62}$"},
            }
        },
        "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
    }


def build_openapi(routes: Sequence[BaseRoute]) -> dict[str, Any]:
    operations = _other_operations()
    for plural, kind in RECORD_KINDS.items():
        operations.update(_record_operations(plural, kind))
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        assert isinstance(route, Route)
        assert route.methods is not None
        if route.name not in operations:
            raise LookupError(f"route {route.name!r} ({route.path}) has no OpenAPI description")
        [method] = sorted(route.methods - {"HEAD"})
        operation = {"operationId": route.name, **operations[route.name]}
        paths.setdefault(route.path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Pauhu CRM",
            "version": "1",
            "description": "Contacts, companies, deals, activities and tasks for EU sales teams.",
        },
        "paths": paths,
        "components": _components(),
        # In `api_key` mode every workspace route needs a bearer key; in `none` mode none.
        "security": [{}, {"apiKey": []}],
    }


def openapi_routes(routes: Sequence[BaseRoute]) -> list[Route]:
    openapi_route = Route("/openapi.json", lambda _: None, methods=["GET"], name="openapi")
    document = build_openapi([*routes, openapi_route])

    async def openapi(request: Request) -> Response:
        root_path = request.scope.get("root_path", "")
        return json_response({**document, "servers": [{"url": root_path or "/"}]})

    return [Route("/openapi.json", openapi, methods=["GET"], name="openapi")]
