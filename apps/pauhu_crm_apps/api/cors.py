"""CORS, limited to the configured origins: Starlette's middleware, answering a refused
preflight in the API's error shape instead of plain text.

A request without an ``Origin`` header (a server, curl, the same-origin admin
page) has nothing to do with CORS, yet Starlette wraps ``send`` for it too, only
to add ``Vary: Origin``. Here such a request passes straight through, and the
app's outermost layer adds ``Vary: Origin`` among its default headers
(``CORS_DEFAULT_HEADERS``), in the one ``send`` wrapper it has anyway.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .errors import error_response

CORS_DEFAULT_HEADERS = ((b"vary", b"Origin"),)
"""What Starlette's CORS middleware adds to a response to a request without ``Origin``."""


class CrmCORSMiddleware(CORSMiddleware):
    async def simple_response(
        self, scope: Scope, receive: Receive, send: Send, request_headers: Headers
    ) -> None:
        if "origin" in request_headers:
            await super().simple_response(scope, receive, send, request_headers)
        else:
            await self.app(scope, receive, send)

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
