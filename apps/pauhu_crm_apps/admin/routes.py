"""``/admin/``: the admin page and its assets, under a strict Content-Security-Policy.

Everything lives under one ``Mount``, so that the page is not one of the API's
routes (the OpenAPI document describes the API; ``/admin`` redirects to
``/admin/``, Starlette's usual trailing-slash redirect). No workspace header is
needed: the page asks for the workspace and sends it with each API call.
The page's script reaches the API relative to its own URL, so it also works
when the app is mounted under a prefix.
"""

from __future__ import annotations

from pathlib import Path

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HERE = Path(__file__).parent

SECURITY_HEADERS = {
    # Scripts, styles and requests only from this origin; nothing inline, no framing.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # Revalidate (ETag / Last-Modified) so an upgraded server never runs a stale script.
    "Cache-Control": "no-cache",
}


class SecurityHeadersMiddleware:
    """Adds ``SECURITY_HEADERS`` to every response of the admin page and its assets."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in self.headers}
                kept = [h for h in message.get("headers", []) if h[0] not in names]
                message = {**message, "headers": [*kept, *self.headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def index(_request: Request) -> Response:
    return FileResponse(HERE / "index.html", media_type="text/html; charset=utf-8")


def admin_routes() -> list[BaseRoute]:
    """The routes to add to the app (not to the API's, which the OpenAPI document lists)."""
    return [
        Mount(
            "/admin",
            routes=[
                Route("/", index, methods=["GET"], name="admin"),
                Mount("/static", app=StaticFiles(directory=HERE / "static"), name="admin_static"),
            ],
            middleware=[Middleware(SecurityHeadersMiddleware)],
        )
    ]
