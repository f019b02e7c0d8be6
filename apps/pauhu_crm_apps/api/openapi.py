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
from .openapi_parts import ID_PARAMETER, errors, json_content, operation, page_schema, ref
from .openapi_scoring import SCORING_SCHEMA_TYPES, scoring_operations
from .openapi_sequences import SEQUENCE_SCHEMA_TYPES, sequence_operations
from .openapi_transfer import transfer_operations
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


def _record_operations(plural: str, kind: RecordKind) -> dict[str, dict[str, Any]]:
    name = kind.entity.__name__
    one = f"{'an' if name[0] in 'AEIOU' else 'a'} {name.lower()}"  # "an activity"
    extra = (
        {"pipeline": {"type": "array", "items": ref("PipelineStage")}} if plural == "deals" else {}
    )
    list_schema = page_schema(plural, ref(name), **extra)
    shown = ref(kind.detail.__name__) if kind.detail else ref(name)
    deleted = {
        "type": "object",
        "properties": {"id": {"type": "string"}, "deleted": {"const": True}},
        "required": ["id", "deleted"],
    }
    item = [ID_PARAMETER]
    writes = (409, 413, 415, 422)
    return {
        f"list_{plural}": operation(
            f"List {plural}",
            {"200": json_content(list_schema, f"A page of {plural}"), **errors(422)},
            parameters=query_parameters(kind.query),
        ),
        f"create_{plural}": operation(
            f"Create {one}",
            {"201": json_content(ref(name), "Created"), **errors(*writes)},
            body=command_schema(kind.new),
        ),
        f"get_{plural}": operation(
            f"Get {one}",
            {"200": json_content(shown, "Found"), **errors(404)},
            parameters=item,
        ),
        f"update_{plural}": operation(
            f"Change some fields of {one}",
            {"200": json_content(ref(name), "Updated"), **errors(404, *writes)},
            parameters=item,
            body=command_schema(kind.changes),
        ),
        f"delete_{plural}": operation(
            f"Delete {one}",
            {"200": json_content(deleted, "Deleted"), **errors(404)},
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
        "health": operation(
            "Service health, including the database",
            {"200": json_content(health, "Healthy"), "503": json_content(health, "Unhealthy")},
            workspace=False,
        ),
        "openapi": operation(
            "This document",
            {"200": json_content({"type": "object"}, "OpenAPI 3.1")},
            workspace=False,
        ),
        "get_workspace": operation(
            "The caller's workspace settings (created on first use)",
            {"200": json_content(ref("Workspace"), "Settings"), **errors()},
        ),
        "update_workspace": operation(
            "Change the workspace settings",
            {"200": json_content(ref("Workspace"), "Updated"), **errors(413, 415, 422)},
            body=command_schema(c.WorkspaceChanges),
        ),
    }


def _components() -> dict[str, Any]:
    schemas: dict[str, Any] = {
        kind.__name__: entity_schema(kind)
        for kind in (e.Workspace, e.PipelineStage, *(k.entity for k in RECORD_KINDS.values()))
    }
    schemas.update(
        {
            entity.__name__: entity_schema(entity)
            for entity in (*SEQUENCE_SCHEMA_TYPES, *SCORING_SCHEMA_TYPES)
        }
    )
    details = [k.detail for k in RECORD_KINDS.values() if k.detail] + [e.SequenceDetail]
    schemas.update({detail.__name__: detail_schema(detail) for detail in details})
    schemas["StepInput"] = command_schema(c.StepInput)  # the items of a sequence body's steps
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
            code: json_content(ref("Error"), f"Error ({status} {code})")
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
    operations = {
        **_other_operations(),
        **sequence_operations(),
        **scoring_operations(),
        **transfer_operations(),
    }
    for plural, kind in RECORD_KINDS.items():
        operations.update(_record_operations(plural, kind))
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        assert isinstance(route, Route)
        assert route.methods is not None
        if route.name not in operations:
            raise LookupError(f"route {route.name!r} ({route.path}) has no OpenAPI description")
        [method] = sorted(route.methods - {"HEAD"})
        described = {"operationId": route.name, **operations[route.name]}
        paths.setdefault(route.path, {})[method.lower()] = described
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Pauhu CRM",
            "version": "1",
            "description": "Contacts, companies, deals, activities, tasks and e-mail "
            "sequences for EU sales teams.",
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
