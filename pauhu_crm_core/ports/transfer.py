"""The port of bulk import and export: records in keyset pages, and records by unique key."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol, runtime_checkable

from ..entities import Activity, Company, Contact, Deal


@runtime_checkable
class TransferRepository(Protocol):
    """Reads of one workspace for moving data in and out in bulk.

    The ``*_after`` reads are keyset pages: the records by id after ``after_id``
    (``None``: from the start), at most ``limit`` of them. A page costs the same
    wherever it starts, and a record added or deleted meanwhile never shifts the
    pages after it, so an export reads every record that exists throughout it once.
    """

    async def contacts_after(self, after_id: str | None, *, limit: int) -> Sequence[Contact]: ...
    async def companies_after(self, after_id: str | None, *, limit: int) -> Sequence[Company]: ...
    async def deals_after(self, after_id: str | None, *, limit: int) -> Sequence[Deal]: ...
    async def activities_after(self, after_id: str | None, *, limit: int) -> Sequence[Activity]: ...
    async def contacts_with_emails(self, emails: Collection[str]) -> Sequence[Contact]:
        """The contacts holding these (normalised) addresses, in one query per few hundred."""
        ...

    async def companies_with_domains(self, domains: Collection[str]) -> Sequence[Company]:
        """The companies holding these (normalised) domains, in one query per few hundred."""
        ...
