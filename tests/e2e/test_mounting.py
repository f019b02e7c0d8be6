"""The API mounted under a prefix inside another ASGI app, as docs/http-api.md shows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from pauhu_crm_apps.api import create_app
from pauhu_crm_apps.settings import Settings

pytestmark = pytest.mark.anyio


@pytest.fixture
async def host(database_url: str) -> AsyncIterator[Starlette]:
    crm_app = create_app(Settings(database_url=database_url))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Starlette does not run a mounted app's lifespan: the host runs it.
        async with crm_app.router.lifespan_context(crm_app):
            yield

    host = Starlette(routes=[Mount("/crm", app=crm_app)], lifespan=lifespan)
    async with host.router.lifespan_context(host):
        yield host


@pytest.fixture
async def client(host: Starlette, workspace_id: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=host, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://host.test", headers={"X-Workspace-ID": workspace_id}
    ) as client:
        yield client


async def test_the_api_works_under_a_prefix(client: httpx.AsyncClient) -> None:
    health = await client.get("/crm/health")
    created = await client.post("/crm/v1/crm/contacts", json={"first_name": "Sanna"})
    listed = await client.get("/crm/v1/crm/contacts")
    outside = await client.get("/v1/crm/contacts")

    assert health.status_code == 200, health.text
    assert health.json()["status"] == "healthy"
    assert created.status_code == 201, created.text
    assert [c["id"] for c in listed.json()["contacts"]] == [created.json()["id"]]
    assert outside.status_code == 404


async def test_the_openapi_document_names_the_prefix_as_its_server(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/crm/openapi.json")).json()

    assert document["servers"][0]["url"] == "/crm"
