"""Bulk reads of import and export: keyset pages by id, and records by unique key.

A keyset page is a range of the primary key ``(workspace_id, id)`` — the same
cost wherever it starts, unlike an ``OFFSET`` that reads and drops every row
before it. Look-ups by e-mail and domain are ranges of their unique indexes,
``IN_CHUNK`` values to a query.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from pauhu_crm_core.entities import Activity, Company, Contact, Deal

from ..tables import activities, companies, contacts, deals
from .activities import activity_from_row
from .base import IN_CHUNK, NOT_ENTITY_COLUMNS, RowValues
from .companies import company_from_row
from .contacts import contact_from_row
from .deals import deal_from_row

E = TypeVar("E")


class SqlTransferRepository:
    """The ``TransferRepository`` port over one workspace's record tables."""

    def __init__(self, conn: AsyncConnection, workspace_id: str) -> None:
        self._conn = conn
        self._workspace_id = workspace_id

    async def _after(
        self,
        table: Table,
        from_row: Callable[[RowValues], E],
        after_id: str | None,
        limit: int,
    ) -> list[E]:
        where = table.c.workspace_id == self._workspace_id
        if after_id is not None:
            where = where & (table.c.id > after_id)
        result = await self._conn.execute(
            select(*_entity_columns(table)).where(where).order_by(table.c.id).limit(limit)
        )
        return [from_row(row) for row in result.mappings()]

    async def _having(
        self, table: Table, column: str, values: Collection[str], from_row: Callable[[RowValues], E]
    ) -> list[E]:
        wanted = sorted(set(values))
        found: list[E] = []
        for start in range(0, len(wanted), IN_CHUNK):
            chunk = wanted[start : start + IN_CHUNK]
            result = await self._conn.execute(
                select(*_entity_columns(table)).where(
                    (table.c.workspace_id == self._workspace_id) & table.c[column].in_(chunk)
                )
            )
            found.extend(from_row(row) for row in result.mappings())
        return found

    async def contacts_after(self, after_id: str | None, *, limit: int) -> Sequence[Contact]:
        return await self._after(contacts, contact_from_row, after_id, limit)

    async def companies_after(self, after_id: str | None, *, limit: int) -> Sequence[Company]:
        return await self._after(companies, company_from_row, after_id, limit)

    async def deals_after(self, after_id: str | None, *, limit: int) -> Sequence[Deal]:
        return await self._after(deals, deal_from_row, after_id, limit)

    async def activities_after(self, after_id: str | None, *, limit: int) -> Sequence[Activity]:
        return await self._after(activities, activity_from_row, after_id, limit)

    async def contacts_with_emails(self, emails: Collection[str]) -> Sequence[Contact]:
        return await self._having(contacts, "email", emails, contact_from_row)

    async def companies_with_domains(self, domains: Collection[str]) -> Sequence[Company]:
        return await self._having(companies, "domain", domains, company_from_row)


def _entity_columns(table: Table) -> list[Any]:
    return [column for column in table.c if column.name not in NOT_ENTITY_COLUMNS]
