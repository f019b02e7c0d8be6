"""The composition root: builds the CRM from its parts. Nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pauhu_crm_adapters.clock import SystemClock
from pauhu_crm_adapters.mail import mailer_from_url
from pauhu_crm_adapters.sql import open_sql_store
from pauhu_crm_core import CRM, Clock
from pauhu_crm_core.services.context import SequenceSettings

from .settings import DEFAULT_DATABASE_URL


@asynccontextmanager
async def open_crm(
    database_url: str = DEFAULT_DATABASE_URL,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    mail_url: str = "outbox:",
    sequences: SequenceSettings | None = None,
) -> AsyncIterator[CRM]:
    """Open the CRM on an SQLite (``sqlite:///file.db``) or PostgreSQL (``postgresql://…``)
    database, migrating its schema first unless ``migrate=False``; close it on exit.

    Sequence e-mail goes to ``mail_url`` (see ``pauhu_crm_adapters.mail``); the default,
    ``outbox:``, keeps every message in the database and sends nothing, so a new
    install can never e-mail real people by accident.
    """
    clock = clock or SystemClock()
    store = await open_sql_store(database_url, migrate=migrate)
    try:
        mailer = mailer_from_url(mail_url, store=store, clock=clock)
    except BaseException:
        await store.aclose()
        raise
    async with CRM(store=store, clock=clock, mailer=mailer, sequences=sequences) as crm:
        yield crm
