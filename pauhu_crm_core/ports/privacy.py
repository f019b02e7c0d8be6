"""Ports of data protection: the suppression list and the audit log."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol, runtime_checkable

from attrs import frozen

from ..entities import AuditEntry, Page


@runtime_checkable
class SuppressionRepository(Protocol):
    """Addresses never to be e-mailed again, kept only as keyed hashes (never the address)."""

    async def add(self, email_hash: str, at: datetime) -> None:
        """Record a hash (adding one already there is a no-op)."""
        ...

    async def contains_any(self, email_hashes: Collection[str]) -> set[str]:
        """Which of these hashes are suppressed, in one query."""
        ...


@frozen(kw_only=True)
class AuditFilter:
    resource: str | None = None
    resource_id: str | None = None
    action: str | None = None
    actor: str | None = None


@runtime_checkable
class AuditRepository(Protocol):
    """Who changed what, when: one entry per write, never the values written."""

    async def add(self, entry: AuditEntry) -> None: ...
    async def find(self, filter: AuditFilter, *, limit: int, offset: int) -> Page[AuditEntry]:
        """Entries, newest first."""
        ...
