"""``/health``: is the service up and can it reach its database? No workspace needed."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pauhu_crm_core import Unavailable

from ...representation import format_datetime
from ..inputs import app_crm
from ..responses import json_response


async def health(request: Request) -> Response:
    crm = app_crm(request)
    try:
        await crm.store.ping()
        status = "healthy"
    except Unavailable:
        status = "unhealthy"
    body = {
        "service": "crm",
        "jurisdiction": "eu",
        "status": status,
        "timestamp": format_datetime(crm.clock.now()),
        # One database serves every part, so they are as healthy as it is.
        "services": {"crm": status, "scoring": status, "sequences": status},
    }
    return json_response(body, status=200 if status == "healthy" else 503)


routes = [Route("/health", health, methods=["GET"], name="health")]
