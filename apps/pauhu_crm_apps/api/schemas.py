"""JSON Schemas (OpenAPI 3.1 dialect) derived from the core's commands and entities.

Deriving them from the same classes that validate input keeps the published
contract and the enforced one from drifting apart: a field added to a
command appears in the spec, with its limits.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any, Union, get_args, get_origin, get_type_hints

import attrs

from pauhu_crm_core import normalise
from pauhu_crm_core import validation as v
from pauhu_crm_core.entities import Deal, PipelineStage

_NAME = {"type": "string", "maxLength": normalise.MAX_NAME_LENGTH}

VALUE_SCHEMAS: dict[Any, dict[str, Any]] = {
    v.Text: _NAME,
    v.Name: {**_NAME, "minLength": 1},
    v.LongText: {"type": "string", "maxLength": normalise.MAX_BODY_LENGTH},
    v.Body: {"type": "string", "minLength": 1, "maxLength": normalise.MAX_BODY_LENGTH},
    v.Days: {"type": "integer", "minimum": 0, "maximum": 3650},
    v.Id: {"type": "string", "pattern": f"^{normalise.ID_PATTERN.pattern}$"},
    v.Email: {"type": "string", "maxLength": normalise.MAX_EMAIL_LENGTH},
    v.Domain: {"type": "string", "maxLength": 2048},
    v.Url: {"type": "string", "maxLength": normalise.MAX_URL_LENGTH},
    v.Phone: {"type": "string", "maxLength": 64},
    v.Country: {"type": "string", "minLength": 2, "maxLength": 2},
    v.Currency: {"type": "string", "minLength": 3, "maxLength": 3},
    v.TimeZoneName: {"type": "string", "examples": ["Europe/Helsinki"]},
    v.Cents: {"type": "number", "minimum": 0, "description": "Exact to the cent."},
    v.Percent: {"type": "integer", "minimum": 0, "maximum": 100},
    v.Tags: {
        "type": "array",
        "maxItems": normalise.MAX_TAGS,
        "items": {"type": "string", "maxLength": normalise.MAX_TAG_LENGTH},
    },
    v.JsonObject: {"type": "object", "description": "At most 16 KiB as JSON."},
    v.Date: {"type": "string", "format": "date"},
    v.Timestamp: {"type": "string", "format": "date-time"},
    v.QueryInt: {"type": "integer"},
    v.QueryBool: {"type": "boolean"},
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    str: {"type": "string"},
    datetime: {"type": "string", "format": "date-time"},
    date: {"type": "string", "format": "date"},
}


def _is_union(hint: Any) -> bool:
    return get_origin(hint) in (Union, types.UnionType)


def schema_of(hint: Any) -> dict[str, Any]:
    """The JSON Schema of one type annotation."""
    if _is_union(hint):
        members = [arg for arg in get_args(hint) if arg is not v.Unset]
        nullable = type(None) in members
        members = [arg for arg in members if arg is not type(None)]
        [member] = members
        schema = schema_of(member)
        return {"anyOf": [schema, {"type": "null"}]} if nullable else schema
    if hint in VALUE_SCHEMAS:
        return dict(VALUE_SCHEMAS[hint])
    if isinstance(hint, type) and issubclass(hint, Enum):
        return {"type": "string", "enum": [member.value for member in hint]}
    if attrs.has(hint):
        return {"$ref": f"#/components/schemas/{hint.__name__}"}
    origin = get_origin(hint)
    if origin is tuple or origin is list:
        return {"type": "array", "items": schema_of(get_args(hint)[0])}
    if origin in (dict, Mapping) or hint is Mapping:
        return {"type": "object"}
    if origin is not None and getattr(origin, "__name__", "") in ("Sequence", "Mapping"):
        args = get_args(hint)
        return {"type": "array", "items": schema_of(args[0])} if args else {"type": "object"}
    raise TypeError(f"no JSON Schema for {hint!r}")


def command_schema(command_type: type) -> dict[str, Any]:
    """The schema of a request body: the command's fields, nothing else."""
    hints = get_type_hints(command_type)
    required = [
        field.name for field in attrs.fields(command_type) if field.default is attrs.NOTHING
    ]
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {name: schema_of(hint) for name, hint in hints.items()},
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    return schema


def query_parameters(query_type: type) -> list[dict[str, Any]]:
    hints = get_type_hints(query_type)
    parameters = []
    for name, hint in hints.items():
        schema = schema_of(hint)
        if "anyOf" in schema:  # a filter that is absent, never null, in a URL
            schema = schema["anyOf"][0]
        if name == "limit":
            schema = {**schema, "minimum": 1, "default": 50}
        if name == "offset":
            schema = {**schema, "minimum": 0, "default": 0}
        parameters.append({"name": name, "in": "query", "required": False, "schema": schema})
    return parameters


def entity_schema(entity_type: type) -> dict[str, Any]:
    """The schema of a record as the API returns it (every field always present)."""
    hints = get_type_hints(entity_type)
    properties = {
        name: schema_of(hint) for name, hint in hints.items() if name in _field_names(entity_type)
    }
    if entity_type is Deal:
        del properties["amount_cents"]
        properties["amount"] = {"anyOf": [{"type": "number", "minimum": 0}, {"type": "null"}]}
    if entity_type is PipelineStage:
        del properties["total_amount_cents"], properties["weighted_amount_cents"]
        properties["total_amount"] = {"type": "number"}
        properties["weighted_amount"] = {"type": "number"}
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(properties),
        "additionalProperties": False,
    }


def detail_schema(detail_type: type) -> dict[str, Any]:
    """A detail view: the main record's schema with the linked records added."""
    main, *linked = attrs.fields(detail_type)
    hints = get_type_hints(detail_type)
    schema = entity_schema(hints[main.name])
    for field in linked:
        schema["properties"][field.name] = schema_of(hints[field.name])
    schema["required"] = sorted(schema["properties"])
    return schema


def _field_names(entity_type: type) -> set[str]:
    return {field.name for field in attrs.fields(entity_type)}
