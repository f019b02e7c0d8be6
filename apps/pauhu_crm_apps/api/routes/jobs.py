"""``GET /v1/jobs``: the caller's workspace's scheduled job runs, newest first."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..inputs import app_crm, query, workspace
from ..resources import page_json
from ..responses import json_response


async def list_jobs(request: Request) -> Response:
    ws = await workspace(request)
    page = await app_crm(request).jobs.history(ws.id, query(request))
    return json_response(page_json("jobs", page))


routes = [Route("/v1/jobs", list_jobs, methods=["GET"], name="list_jobs")]
