"""``/v1/workspace``: the caller's workspace settings (name, time zone, auto-enrolment)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...representation import to_json
from ..inputs import json_object, workspace
from ..responses import json_response


async def get_workspace(request: Request) -> Response:
    ws = await workspace(request)
    return json_response(to_json(await ws.get()))


async def update_workspace(request: Request) -> Response:
    ws = await workspace(request)
    return json_response(to_json(await ws.update(await json_object(request))))


routes = [
    Route("/v1/workspace", get_workspace, methods=["GET"], name="get_workspace"),
    Route("/v1/workspace", update_workspace, methods=["PUT"], name="update_workspace"),
]
