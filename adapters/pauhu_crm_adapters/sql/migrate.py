"""Run the Alembic migrations programmatically on an async engine.

``open_sql_store`` calls ``upgrade`` on start, so a fresh database just works.
The whole upgrade is one transaction: on PostgreSQL it first takes a
transaction-scoped advisory lock, so several processes starting at once
migrate one after the other (the later ones find the schema at head and do
nothing); on SQLite the write unit's ``BEGIN IMMEDIATE`` serialises them.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
"""The Alembic script directory, shipped inside the package (works when installed)."""

MIGRATION_LOCK_KEY = 0x70617568_75637200
"""``pg_advisory_xact_lock`` key for migrations (the bytes of "pauhucr")."""


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for the packaged scripts, using ``connection`` if given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database behind ``engine`` up to ``revision`` (idempotent)."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        await conn.run_sync(_upgrade, revision)


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)
