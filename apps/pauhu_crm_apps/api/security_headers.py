"""Browser hardening headers on every response: JSON, HTML, errors and CORS preflights alike.

A response that already carries one of these headers keeps its own value: the
admin page and the unsubscribe page set a Content-Security-Policy that fits
them, and this layer must not weaken or break it. Everything else gets the
strictest policy, which suits JSON (nothing in it is ever meant to run) and
any HTML page that forgot to choose one.

In the app, ``RequestContextMiddleware`` (``middleware.py``) adds them in its
single ``send`` wrapper, outside everything, so that even its own 500 answers
get them. ``SecurityHeadersMiddleware`` is the same rule as a layer of its
own, for an app that wants the headers alone.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Nothing may load, run, submit, or frame the response; a page that needs more sets its own.
STRICT_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

SECURITY_HEADERS: dict[str, str] = {
    # Never guess a type: a JSON body holding "<script>" must not be run as HTML.
    "X-Content-Type-Options": "nosniff",
    # URLs may carry ids and tokens (the unsubscribe link): send them to no other site.
    "Referrer-Policy": "no-referrer",
    # Clickjacking: no page of the app is ever framed (frame-ancestors for newer browsers).
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": STRICT_CSP,
    # Responses hold personal data: no shared or browser cache keeps a copy.
    "Cache-Control": "no-store",
}

RAW_SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = tuple(
    (name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()
)


class SecurityHeadersMiddleware:
    """Adds ``SECURITY_HEADERS`` to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [
                    (name, value) for name, value in RAW_SECURITY_HEADERS if name not in present
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
