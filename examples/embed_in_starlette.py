"""The CRM's HTTP API mounted under ``/crm`` inside another Starlette app.

    python examples/embed_in_starlette.py [--port 8000]   # serve on http://127.0.0.1:8000
    python examples/embed_in_starlette.py --check         # call it in-process and print

or ``uvicorn --app-dir examples --factory embed_in_starlette:create_host``.
Settings come from the ``PAUHU_CRM_*`` variables as for ``pauhu-crm serve``
(``PAUHU_CRM_DATABASE_URL=sqlite:///./crm.db``, …).

Starlette does not run the lifespan of a mounted app, and the CRM opens (and
migrates) its database in its lifespan, so the host runs it from its own.
A host that serves a network must run the CRM with ``auth_mode="api_key"``
or authenticate callers itself: ``serve``'s loopback protection is not part
of the app.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from pauhu_crm_apps.api import create_app
from pauhu_crm_apps.settings import Settings


async def home(request: Request) -> PlainTextResponse:
    return PlainTextResponse("the host app; the CRM is under /crm\n")


def create_host(settings: Settings | None = None) -> Starlette:
    crm_app = create_app(settings or Settings.from_env())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Opens the CRM's database on start-up and closes it on shutdown.
        async with crm_app.router.lifespan_context(crm_app):
            yield

    return Starlette(
        routes=[Route("/", home), Mount("/crm", app=crm_app)],
        lifespan=lifespan,
    )


async def check() -> None:
    """Start the host's lifespan, call it through httpx in-process, and print what it says."""
    host = create_host()
    async with host.router.lifespan_context(host):
        transport = httpx.ASGITransport(app=host)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://host.test",
            headers={"X-Workspace-ID": "ws-embedded"},
        ) as client:
            print("GET /", (await client.get("/")).text.strip())
            print("GET /crm/health", (await client.get("/crm/health")).json()["status"])
            created = await client.post(
                "/crm/v1/crm/contacts",
                json={"email": "eleni.papadopoulou@enisa.europa.eu.example", "first_name": "Eleni"},
            )
            print("POST /crm/v1/crm/contacts", created.status_code)
            listed = (await client.get("/crm/v1/crm/contacts", params={"q": "eleni"})).json()
            print("GET /crm/v1/crm/contacts?q=eleni", listed["total"])
            servers = (await client.get("/crm/openapi.json")).json()["servers"]
            print("openapi servers", [server["url"] for server in servers])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The CRM mounted under /crm in a host app.")
    parser.add_argument("--check", action="store_true", help="call it in-process and print")
    parser.add_argument("--port", type=int, default=8000, help="port to serve on (loopback)")
    args = parser.parse_args(argv)
    if args.check:
        anyio.run(check)
        return
    import uvicorn

    uvicorn.run(create_host(), host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
