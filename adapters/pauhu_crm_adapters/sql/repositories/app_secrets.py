"""Secrets of the installation (e.g. the key that signs unsubscribe links), shared by
every process on the database. Not a tenant table, like ``api_keys``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..tables import app_secrets
from .base import insert_or_ignore


async def stored_app_secret(
    conn: AsyncConnection, name: str, generate: Callable[[], str], at: datetime
) -> str:
    """The secret ``name``; on first use, ``generate()``'s value, stored.

    Two processes asking at once may both generate one, but only the first
    insert lands (``ON CONFLICT DO NOTHING``) and both read that one back.
    """
    stored = await conn.scalar(select(app_secrets.c.value).where(app_secrets.c.name == name))
    if stored is not None:
        return str(stored)
    await conn.execute(
        insert_or_ignore(conn, app_secrets, "name").values(
            name=name, value=generate(), created_at=at
        )
    )
    # A new statement: on PostgreSQL (READ COMMITTED) it sees a racing process's row.
    stored = await conn.scalar(select(app_secrets.c.value).where(app_secrets.c.name == name))
    assert stored is not None, "the secret was just inserted or already there"
    return str(stored)
