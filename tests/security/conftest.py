"""Fixtures of the security suite: the real app in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from pauhu_crm_apps.api import create_app
from pauhu_crm_apps.settings import Settings
from pauhu_crm_core.testing import FrozenClock


def suite_settings(database_url: str, **changes: Any) -> Settings:
    """The settings of every app this suite builds in-process.

    The fuzzer and the isolation probes send hundreds of requests from one client in
    one workspace: a per-workspace rate limit would answer them 429, so it is off.
    """
    changes.setdefault("rate_limit_per_second", 0)
    return Settings(database_url=database_url, **changes)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return suite_settings(database_url)


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock) -> AsyncIterator[Starlette]:
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
    async with client_for(app, workspace_id) as client:
        yield client
