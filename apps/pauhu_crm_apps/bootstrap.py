"""The composition root: builds the CRM from its parts. Nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pauhu_crm_adapters.clock import SystemClock
from pauhu_crm_adapters.sql import open_sql_store
from pauhu_crm_core import CRM, Clock

from .settings import DEFAULT_DATABASE_URL


@asynccontextmanager
async def open_crm(
    database_url: str = DEFAULT_DATABASE_URL,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
) -> AsyncIterator[CRM]:
    """Open the CRM on an SQLite (``sqlite:///file.db``) or PostgreSQL (``postgresql://…``)
    database, migrating its schema first unless ``migrate=False``; close it on exit."""
    store = await open_sql_store(database_url, migrate=migrate)
    async with CRM(store=store, clock=clock or SystemClock()) as crm:
        yield crm
