"""The real app in-process, for suites whose conftest imports these fixtures
(``tests/ops``, ``tests/security``): ``app`` and ``client`` build on the suite's own
``settings`` fixture, and ``client_for`` makes a client of any app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from pauhu_crm_apps.api import create_app
from pauhu_crm_apps.settings import Settings
from pauhu_crm_core.testing import FrozenClock


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock) -> AsyncIterator[Starlette]:
    """The app of the suite's ``settings``, started (its lifespan entered) and stopped."""
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


def client_for(app: Starlette, workspace_id: str | None = None) -> httpx.AsyncClient:
    """A client of ``app`` in-process; its requests carry ``workspace_id`` when given."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {"X-Workspace-ID": workspace_id} if workspace_id else {}
    return httpx.AsyncClient(transport=transport, base_url="http://crm.test", headers=headers)


@pytest.fixture
async def client(app: Starlette, workspace_id: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``app`` whose requests carry the test's workspace."""
    async with client_for(app, workspace_id) as client:
        yield client
