"""The real app for the statement-count guard, as ``tests/api/conftest.py`` builds it.

Fixtures of ``tests/api`` are not visible here, so the one needed is repeated:
``create_app(settings)`` on the session's database (SQLite, and PostgreSQL
when ``PAUHU_CRM_TEST_POSTGRES_URL`` is set) with its lifespan running.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette

from pauhu_crm_apps.api import create_app
from pauhu_crm_apps.settings import Settings
from pauhu_crm_core.testing import FrozenClock


@pytest.fixture
async def app(database_url: str, clock: FrozenClock) -> AsyncIterator[Starlette]:
    app = create_app(Settings(database_url=database_url), clock=clock)
    async with app.router.lifespan_context(app):
        yield app
