"""The outermost layer of every request: a request id, and no stack trace ever leaks.

Every response carries ``X-Request-ID`` (the caller's, when it is a sane
token, else a new one). An exception nothing else handled is logged once with
that id and its traceback, and the client gets a 500 in the error shape with
the same id — never the exception's text.
"""

from __future__ import annotations

import logging
import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_response

logger = logging.getLogger("pauhu_crm.api")

REQUEST_ID_HEADER = "x-request-id"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                headers = [h for h in message.get("headers", []) if h[0] != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:  # the API boundary: log it whole, answer without details
            logger.exception(
                "unhandled error in %s %s [request %s]", scope["method"], scope["path"], request_id
            )
            if response_started:
                raise
            response = error_response(
                500,
                f"Internal error; quote request id {request_id} when reporting it",
                request_id=request_id,
            )
            await response(scope, receive, send_with_id)


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _SANE_REQUEST_ID.fullmatch(candidate):
                return candidate
    return uuid.uuid4().hex
