"""CORS, limited to the configured origins: Starlette's middleware, answering a refused
preflight in the API's error shape instead of plain text."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from .errors import error_response


class CrmCORSMiddleware(CORSMiddleware):
    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        # Starlette's text is "Disallowed CORS origin, headers"; keep what it refused.
        refused = bytes(response.body).decode().removeprefix("Disallowed CORS ")
        allowed_headers = {
            name: value
            for name, value in response.headers.items()
            if name.lower().startswith("access-control-")
        }
        return error_response(
            400, f"This cross-origin request is not allowed ({refused})", headers=allowed_headers
        )
