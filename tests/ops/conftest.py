"""Fixtures of the operations tests: the app in-process with metrics on, and a scrape parser."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from pauhu_crm_apps.api import create_app
from pauhu_crm_apps.settings import Settings
from pauhu_crm_core.testing import FrozenClock


def sample(scrape: str, name: str, **labels: str) -> float:
    """The value of the sample ``name`` with exactly ``labels`` in a /metrics text; 0 if none."""
    for family in text_string_to_metric_families(scrape):
        for candidate in family.samples:
            if candidate.name == name and candidate.labels == labels:
                return float(candidate.value)
    return 0.0


def label_values(scrape: str, name: str, label: str) -> set[str]:
    return {
        candidate.labels[label]
        for family in text_string_to_metric_families(scrape)
        for candidate in family.samples
        if candidate.name == name and label in candidate.labels
    }


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, metrics=True, rate_limit_per_second=0)


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock) -> AsyncIterator[Starlette]:
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


def client_for(app: Starlette, workspace_id: str | None = None) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {"X-Workspace-ID": workspace_id} if workspace_id else {}
    return httpx.AsyncClient(transport=transport, base_url="http://crm.test", headers=headers)


@pytest.fixture
async def client(app: Starlette, workspace_id: str) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app, workspace_id) as client:
        yield client
