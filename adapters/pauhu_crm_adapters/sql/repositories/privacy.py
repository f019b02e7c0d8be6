"""Data protection: the suppression list and the audit log.

The suppression list keeps keyed hashes of addresses, never an address; adding a
hash twice is a no-op (``INSERT … ON CONFLICT DO NOTHING``, so racing erasures of
one address both succeed). The audit log keeps one row per write with the names of
the fields changed, never their values, and lists it newest first (``at``, then
``id``, descending), which is each of its indexes read backwards.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pauhu_crm_core.entities import AuditEntry, Page
from pauhu_crm_core.ports import AuditFilter

from ..errors import translate_write_error
from ..tables import audit_log, suppressions
from .base import IN_CHUNK, RowValues, TenantTableBase, equal_to, insert_or_ignore


class SqlSuppressionRepository:
    """The ``SuppressionRepository`` port: one workspace's suppressed e-mail hashes."""

    def __init__(self, conn: AsyncConnection, workspace_id: str) -> None:
        self._conn = conn
        self._workspace_id = workspace_id

    async def add(self, email_hash: str, at: datetime) -> None:
        """Record a hash; one already there keeps its first ``created_at``."""
        values = {"workspace_id": self._workspace_id, "email_hash": email_hash, "created_at": at}
        statement = insert_or_ignore(self._conn, suppressions, "workspace_id", "email_hash")
        try:
            await self._conn.execute(statement.values(values))
        except IntegrityError as exc:  # a workspace that does not exist
            raise translate_write_error(exc, suppressions, values) from exc

    async def contains_any(self, email_hashes: Collection[str]) -> set[str]:
        """Which of these hashes are suppressed: one ``IN`` query per ``IN_CHUNK`` hashes
        (one query for any ordinary batch), none for no hashes."""
        wanted = sorted(set(email_hashes))
        found: set[str] = set()
        s = suppressions.c
        for start in range(0, len(wanted), IN_CHUNK):
            chunk = wanted[start : start + IN_CHUNK]
            result = await self._conn.scalars(
                select(s.email_hash).where(
                    (s.workspace_id == self._workspace_id) & s.email_hash.in_(chunk)
                )
            )
            found.update(result)
        return found


def audit_entry_from_row(row: RowValues) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        at=row["at"],
        actor=row["actor"],
        action=row["action"],
        resource=row["resource"],
        resource_id=row["resource_id"],
        fields=tuple(row["fields"]),
        request_id=row["request_id"],
    )


def audit_entry_values(entry: AuditEntry) -> dict[str, Any]:
    """Every column of an audit entry's row but ``workspace_id``."""
    return {
        "id": entry.id,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "resource": entry.resource,
        "resource_id": entry.resource_id,
        "fields": list(entry.fields),
        "request_id": entry.request_id,
    }


class SqlAuditRepository(TenantTableBase[AuditEntry]):
    """The ``AuditRepository`` port: append and list; the log has no update or delete."""

    table = audit_log
    order_by = (audit_log.c.at.desc(), audit_log.c.id.desc())
    from_row = audit_entry_from_row
    to_values = audit_entry_values

    async def add(self, entry: AuditEntry) -> None:
        """A used id is a ``Conflict``."""
        await self._add(entry)

    async def find(self, filter: AuditFilter, *, limit: int, offset: int) -> Page[AuditEntry]:
        """Entries matching every filter that is set, newest first, with the total."""
        conditions = equal_to(
            audit_log,
            {
                "resource": filter.resource,
                "resource_id": filter.resource_id,
                "action": filter.action,
                "actor": filter.actor,
            },
        )
        return await self._page(conditions, limit=limit, offset=offset)
