"""API keys of every workspace: rows <-> ``ApiKey``.

Unlike the tenant repositories this one is not bound to a workspace: a key
is found by its id while a request is being authenticated. The secret's
hash leaves the table only through ``get``, which authentication uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pauhu_crm_core.entities import ApiKey
from pauhu_crm_core.ports import StoredApiKey

from ..errors import translate_write_error
from ..tables import api_keys

_KEY_COLUMNS = [c for c in api_keys.c if c.name != "secret_hash"]


def api_key_from_row(row: RowMapping) -> ApiKey:
    return ApiKey(
        id=row["id"],
        workspace_id=row["workspace_id"],
        name=row["name"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


def api_key_values(key: ApiKey, secret_hash: str) -> dict[str, Any]:
    return {
        "id": key.id,
        "workspace_id": key.workspace_id,
        "name": key.name,
        "secret_hash": secret_hash,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    }


class SqlApiKeyRepository:
    """The ``ApiKeyRepository`` port on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, key: ApiKey, secret_hash: str) -> None:
        values = api_key_values(key, secret_hash)
        try:
            await self._conn.execute(insert(api_keys).values(values))
        except IntegrityError as exc:
            raise translate_write_error(exc, api_keys, values) from exc

    async def get(self, id: str) -> StoredApiKey | None:
        result = await self._conn.execute(select(api_keys).where(api_keys.c.id == id))
        row = result.mappings().one_or_none()
        if row is None:
            return None
        return StoredApiKey(key=api_key_from_row(row), secret_hash=row["secret_hash"])

    async def list(self, workspace_id: str | None = None) -> Sequence[ApiKey]:
        query = select(*_KEY_COLUMNS).order_by(api_keys.c.created_at.desc(), api_keys.c.id.desc())
        if workspace_id is not None:
            query = query.where(api_keys.c.workspace_id == workspace_id)
        result = await self._conn.execute(query)
        return tuple(api_key_from_row(row) for row in result.mappings())

    async def revoke(self, id: str, at: datetime) -> ApiKey | None:
        # Only a live key is updated, so the first revocation's time is the one kept.
        await self._conn.execute(
            update(api_keys)
            .where((api_keys.c.id == id) & api_keys.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        result = await self._conn.execute(select(*_KEY_COLUMNS).where(api_keys.c.id == id))
        row = result.mappings().one_or_none()
        return None if row is None else api_key_from_row(row)
