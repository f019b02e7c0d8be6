"""The benchmark's server: the CRM app as ``create_app(settings)`` builds it, plus a ceiling.

``python -m bench.server --database-url URL --port PORT`` serves, in one
uvicorn worker on 127.0.0.1 (uvicorn configured as ``pauhu-crm serve`` does):

* every path of the CRM app, untouched;
* ``/__bench/…``: a bare Starlette app with no middleware. ``PUT
  /__bench/bodies/{name}`` stores bytes, ``GET /__bench/bare/{name}``
  answers them as ``application/json``. The load generator stores a real
  response of the endpoint it measures and then loads this one too: same
  process, same server, same bytes — the most any endpoint could do here.

The CRM app never sees ``/__bench`` requests and the bare app never sees the
CRM's: a small ASGI dispatcher in front picks one by path (and hands the
lifespan to the CRM app, which opens the database in it).
"""

from __future__ import annotations

import argparse

import attrs
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from pauhu_crm_apps.api import create_app
from pauhu_crm_apps.settings import Settings
from pauhu_crm_core.testing import FrozenClock

from .generate import NOW

BENCH_PREFIX = "/__bench/"


def bare_app() -> Starlette:
    bodies: dict[str, bytes] = {}

    async def store_body(request: Request) -> Response:
        bodies[request.path_params["name"]] = await request.body()
        return Response(status_code=204)

    async def bare(request: Request) -> Response:
        return Response(bodies[request.path_params["name"]], media_type="application/json")

    return Starlette(
        routes=[
            Route("/__bench/bodies/{name}", store_body, methods=["PUT"]),
            Route("/__bench/bare/{name}", bare, methods=["GET", "POST"]),
        ]
    )


class Dispatcher:
    """``/__bench/…`` to the bare app, everything else (lifespan included) to the CRM."""

    def __init__(self, crm_app: ASGIApp, bare: ASGIApp) -> None:
        self.crm_app = crm_app
        self.bare = bare

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(BENCH_PREFIX):
            await self.bare(scope, receive, send)
        else:
            await self.crm_app(scope, receive, send)


BENCH_SETTINGS: dict[str, object] = {"rate_limit_per_second": 0.0}
"""Off for the benchmark: the per-workspace rate limit (20/s by default) would answer
most of the load with 429. Everything else is the default."""


def build(database_url: str) -> Dispatcher:
    """The served app. Time stands still at the data set's "now", so "today" and "overdue"
    mean the same as in the generated data."""
    known = attrs.fields_dict(Settings)
    overrides = {name: value for name, value in BENCH_SETTINGS.items() if name in known}
    settings = Settings(database_url=database_url, **overrides)  # type: ignore[arg-type]
    return Dispatcher(create_app(settings, clock=FrozenClock(NOW)), bare_app())


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()
    uvicorn.run(
        build(arguments.database_url),
        host="127.0.0.1",
        port=arguments.port,
        workers=1,
        log_level="warning",
        server_header=False,
    )


if __name__ == "__main__":
    main()
