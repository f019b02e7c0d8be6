"""Fixtures for in-process HTTP tests: the real app and store, driven through httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from pauhu_crm_apps.api import create_app
from pauhu_crm_apps.settings import Settings
from pauhu_crm_core.testing import FrozenClock


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock) -> AsyncIterator[Starlette]:
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: Starlette, workspace_id: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests carry the test's workspace unless told otherwise."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://crm.test", headers={"X-Workspace-ID": workspace_id}
    ) as client:
        yield client
