"""The outermost layer of every request: its id, its headers, its metrics, and no leaked trace.

Every response carries ``X-Request-ID`` (the caller's, when it is a sane
token, else a new one) and, in the app, the browser hardening headers of
``security_headers.py``. An exception nothing else handled is logged once
with that id and its traceback, and the client gets a 500 in the error shape
with the same id — never the exception's text.

It is one pure-ASGI layer with **one** ``send`` wrapper for all of that (and
for the metrics' timing): every layer that wraps ``send`` costs a coroutine
and a copied message per response. Layers further in that need to know
whether the response has started (the timeout) read the ``ResponseState``
this layer keeps in the scope instead of wrapping ``send`` again.

Measured in-process around a trivial endpoint, the middleware stack took
about 70 µs of CPU a request as five layers and about 48 µs as this one plus
CORS, timeout and rate limit (66 µs with metrics on). On a real server
serving list pages that is small either way: py-spy found 6–9 % of the
samples in stacks that pass through these layers and 0.1–0.2 % in their own
code, before and after alike, so the rest of the request is where the time
goes (``bench/analysis.md`` §6).
"""

from __future__ import annotations

import logging
import math
import os
import re
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..logging_setup import current_request_id
from .errors import error_response
from .metrics import route_template

if TYPE_CHECKING:
    from ..metrics_adapters import CrmMetrics

logger = logging.getLogger("pauhu_crm.api")

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID = b"x-request-id"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
RESPONSE_STATE = "pauhu_crm.response"
"""The scope key of the request's ``ResponseState``."""


class ResponseState:
    """What the outermost layer saw of the response: its status once it has started.

    ``deadline`` is the request timeout's cancel scope, if one runs: the timeout
    bounds the time until the response starts, so starting lifts it (a streamed
    export then takes as long as the records take, not the request timeout).
    """

    __slots__ = ("deadline", "status")

    def __init__(self) -> None:
        self.status = 0
        self.deadline: anyio.CancelScope | None = None

    @property
    def started(self) -> bool:
        return self.status != 0

    def start(self, status: int) -> None:
        self.status = status
        if self.deadline is not None:
            self.deadline.deadline = math.inf


class RequestContextMiddleware:
    """Request id, the 500 boundary, and (options) default headers and request metrics.

    ``default_headers`` (raw, lower-case names) are added to every response that
    does not set them itself: the app passes the security headers there.
    ``metrics`` counts and times every request by method, route template and
    status.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        default_headers: Iterable[tuple[bytes, bytes]] = (),
        metrics: CrmMetrics | None = None,
    ) -> None:
        self.app = app
        self.default_headers = tuple(default_headers)
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        response = scope[RESPONSE_STATE] = ResponseState()
        id_header = (_REQUEST_ID, request_id.encode())
        default_headers = self.default_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response.start(message["status"])
                headers = []
                present = set()
                for header in message.get("headers", ()):
                    name = header[0].lower()
                    if name != _REQUEST_ID:
                        present.add(name)
                        headers.append(header)
                headers += [h for h in default_headers if h[0] not in present]
                headers.append(id_header)
                message = {**message, "headers": headers}
            await send(message)

        context = current_request_id.set(request_id)
        metrics = self.metrics
        started = time.perf_counter()
        root_path = scope.get("root_path", "")
        if metrics is not None:
            metrics.http_in_progress.inc()
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:  # the API boundary: log it whole, answer without details
            logger.exception(
                "unhandled error in %s %s [request %s]", scope["method"], scope["path"], request_id
            )
            if response.started:
                raise
            await error_response(
                500,
                f"Internal error; quote request id {request_id} when reporting it",
                request_id=request_id,
            )(scope, receive, send_with_headers)
        finally:
            if metrics is not None:
                metrics.http_in_progress.dec()
                if response.started:  # else it was cancelled before it answered
                    metrics.observe_request(
                        scope["method"],
                        route_template(scope, root_path),
                        response.status,
                        time.perf_counter() - started,
                    )
            current_request_id.reset(context)


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == _REQUEST_ID:
            candidate: str = value.decode("latin-1")
            if _SANE_REQUEST_ID.fullmatch(candidate):
                return candidate
    return os.urandom(16).hex()  # 128 random bits, like a UUID4's hex, without the object
