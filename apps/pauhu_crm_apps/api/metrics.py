"""``GET /metrics``: the Prometheus text exposition of one app's (or scheduler's) registry.

It is off unless ``PAUHU_CRM_METRICS=true``, and then open to whoever reaches
the port unless ``PAUHU_CRM_METRICS_TOKEN`` is set, in which case it wants
``Authorization: Bearer <token>`` (401 otherwise). No label holds a
workspace id or a raw path, so an open endpoint reveals traffic volumes per
route and job, never tenants or records; still, on a public address set the
token, or let only the scraper's network reach the port.

The route sits outside ``CRM_ROUTES``: it belongs to the process, not to a
workspace, and the OpenAPI document describes only the API.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Scope

from .errors import error_response

if TYPE_CHECKING:
    from ..metrics_adapters import CrmMetrics

UNMATCHED_ROUTE = "<unmatched>"
"""The route label of a request no route answered (404s for arbitrary paths)."""


def metrics_routes(metrics: CrmMetrics | None, token: str = "") -> list[BaseRoute]:
    """``[Route("/metrics")]``, or nothing when ``metrics`` is ``None`` (so a 404)."""
    if metrics is None:
        return []
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    expected = f"Bearer {token}".encode()

    async def scrape(request: Request) -> Response:
        if token:
            given = request.headers.get("authorization", "").encode("latin-1")
            if not hmac.compare_digest(given, expected):
                return error_response(
                    401,
                    "This endpoint wants Authorization: Bearer <PAUHU_CRM_METRICS_TOKEN>",
                    headers={"WWW-Authenticate": "Bearer"},
                )
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return [Route("/metrics", scrape, methods=["GET"], name="metrics")]


def route_template(scope: Scope, app_root_path: str) -> str:
    """The path template of the route that answered, never the path itself: ids in labels
    would make a new time series per record.

    ``app_root_path`` is the ``root_path`` the app was entered with (not empty when
    it is mounted inside another app); a mount inside the app (``/admin``) extends
    the scope's ``root_path``, and that part is kept in front of the inner route's
    template. (No mount of the app has parameters in its path.)
    """
    route = scope.get("route")
    if not isinstance(route, Route | Mount):
        return UNMATCHED_ROUTE
    prefix: str = scope.get("root_path", "")[len(app_root_path) :]
    if isinstance(route, Mount):  # its own path is already in the prefix
        return f"{prefix}/{{path}}"
    return prefix + route.path
