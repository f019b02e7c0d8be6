"""Reading a request: the workspace (and its credentials), the JSON body, the query string."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from pauhu_crm_core import CRM, Actor, CrmWorkspace, Unauthorized
from pauhu_crm_core.errors import Forbidden
from pauhu_crm_core.normalise import WORKSPACE_ID_PATTERN

from ..settings import Settings
from .errors import ApiError

WORKSPACE_HEADER = "x-workspace-id"
JSON_MEDIA_TYPE = "application/json"


def app_crm(request: Request) -> CRM:
    crm: CRM = request.app.state.crm
    return crm


def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def workspace(request: Request) -> CrmWorkspace:
    """The caller's workspace: ``X-Workspace-ID`` checked, then the API key in ``api_key`` mode."""
    workspace_id = request.headers.get(WORKSPACE_HEADER, "").strip()
    if not workspace_id:
        raise ApiError(401, "The X-Workspace-ID header is required")
    if not WORKSPACE_ID_PATTERN.fullmatch(workspace_id):
        raise ApiError(
            400,
            "X-Workspace-ID must be 2-63 lower-case letters, digits or '-', not starting with '-'",
        )
    crm = app_crm(request)
    actor = "anonymous"
    if app_settings(request).auth_mode == "api_key":
        key = await crm.api_keys.authenticate(_bearer_token(request))
        if key.workspace_id != workspace_id:
            raise Forbidden("This API key does not belong to the workspace in X-Workspace-ID")
        actor = key.id
    request_id = request.scope.get("state", {}).get("request_id")
    return crm.workspace(workspace_id, actor=Actor(actor, request_id))


def _bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("An Authorization: Bearer <API key> header is required")
    return token.strip()


def body_media_type(request: Request) -> str:
    """The Content-Type without its parameters, lower-cased (empty when not given)."""
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


async def read_limited_body(request: Request, limit: int | None = None) -> bytes:
    """The raw body, at most ``limit`` bytes (the ``max_body_bytes`` setting by default):
    413 if Content-Length declares more, or once more has been read (counted while
    reading, so an endless body is cut off early)."""
    if limit is None:
        limit = app_settings(request).max_body_bytes
    too_large = ApiError(413, f"The body must be at most {limit} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object: 415 for another media type, 413 past the size limit
    (counted while reading, so an endless body is cut off early), 400 if malformed."""
    media_type = body_media_type(request)
    if media_type != JSON_MEDIA_TYPE and not media_type.endswith("+json"):
        raise ApiError(415, "The body must be JSON (Content-Type: application/json)")
    body = await read_limited_body(request)
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"The body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(422, "The body must be a JSON object", [_body_detail()])
    return data


def _body_detail() -> dict[str, str]:
    return {"field": "(body)", "message": "must be a JSON object"}


def query(request: Request) -> dict[str, str]:
    """The query string as a mapping; a parameter given twice is ambiguous, so refused."""
    params = request.query_params
    repeated = sorted({key for key in params if len(params.getlist(key)) > 1})
    if repeated:
        raise ApiError(
            422,
            "Each query parameter may be given once",
            [{"field": key, "message": "is given more than once"} for key in repeated],
        )
    return dict(params)
