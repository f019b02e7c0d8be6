"""The error responses: the core's error tree mapped to HTTP once, here.

Every error body has one shape::

    {"error": {"code": "validation_error", "message": "...", "details": [...]}}
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route

from pauhu_crm_core.errors import (
    Conflict,
    CrmError,
    Forbidden,
    NotFound,
    ProviderError,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)

from .responses import json_response

ERROR_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    502: "provider_error",
    503: "unavailable",
}

# Most specific first: the first class an error is an instance of decides.
_STATUS_BY_ERROR: tuple[tuple[type[CrmError], int], ...] = (
    (NotFound, 404),
    (Conflict, 409),
    (ValidationFailed, 422),
    (Unauthorized, 401),
    (Forbidden, 403),
    (Unavailable, 503),
    (ProviderError, 502),
)


class ApiError(Exception):
    """An error of the HTTP layer itself (a header, a body), not of the CRM."""

    def __init__(
        self, status: int, message: str, details: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []


def error_response(
    status: int,
    message: str,
    details: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    error: dict[str, Any] = {
        "code": ERROR_CODES.get(status, "error"),
        "message": message,
        "details": details or [],
        **extra,
    }
    return json_response({"error": error}, status=status, headers=headers)


async def crm_error_handler(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CrmError)
    status = next(code for kind, code in _STATUS_BY_ERROR if isinstance(exc, kind))
    details = exc.details if isinstance(exc, ValidationFailed) else []
    if isinstance(exc, Conflict) and exc.field:
        details = [{"field": exc.field, "message": "is already used in this workspace"}]
    return error_response(status, _sentence(exc.message), details)


async def api_error_handler(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.details)


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 (no such route) and 405 (method not allowed), in our shape."""
    assert isinstance(exc, HTTPException)
    messages = {
        404: f"There is no endpoint at {request.url.path}",
        405: f"{request.method} is not allowed on {request.url.path}",
    }
    message = messages.get(exc.status_code, str(exc.detail))
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return error_response(exc.status_code, message, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path. Starlette's own ``Allow`` names only the
    first route matching the path, and each of our routes serves one method."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE and isinstance(route, Route) and route.methods:
            methods |= route.methods
    return sorted(methods)


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] if message else message


EXCEPTION_HANDLERS = {
    CrmError: crm_error_handler,
    ApiError: api_error_handler,
    HTTPException: http_exception_handler,
}
