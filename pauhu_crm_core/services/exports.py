"""Exporting every record of a kind, in keyset pages, so memory stays constant.

Each page is read in a short transaction of its own (no transaction stays open
while a slow client downloads), by id after the last id of the page before:
a record added or deleted meanwhile never shifts the pages after it, so every
record that exists throughout the export is read exactly once. A contact that
was erased is gone, so no export holds it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from ..entities import Activity, Company, Contact, Deal
from ..errors import ValidationFailed
from ..ports import TransferRepository
from .context import WorkspaceContext

EXPORT_BATCH = 500
"""Records read per page."""

Record = Contact | Company | Deal | Activity
EXPORT_KINDS: dict[str, type] = {
    "contacts": Contact,
    "companies": Company,
    "deals": Deal,
    "activities": Activity,
}


async def _page(
    transfer: TransferRepository, resource: str, after_id: str | None, limit: int
) -> Sequence[Record]:
    pages: dict[str, Any] = {
        "contacts": transfer.contacts_after,
        "companies": transfer.companies_after,
        "deals": transfer.deals_after,
        "activities": transfer.activities_after,
    }
    page: Sequence[Record] = await pages[resource](after_id, limit=limit)
    return page


class ExportService:
    def __init__(self, context: WorkspaceContext) -> None:
        self._context = context

    def batches(
        self, resource: str, *, batch_size: int = EXPORT_BATCH
    ) -> AsyncIterator[Sequence[Record]]:
        """Every ``resource`` record (``contacts``, ``companies``, ``deals`` or
        ``activities``) of the workspace, by id, ``batch_size`` at a time. An unknown
        ``resource`` raises ``ValidationFailed`` here, before anything is read."""
        if resource not in EXPORT_KINDS:
            raise ValidationFailed.single("resource", f"must be one of: {', '.join(EXPORT_KINDS)}")
        if batch_size < 1:
            raise ValidationFailed.single("batch_size", "must be at least 1")
        return self._pages(resource, batch_size)

    async def _pages(self, resource: str, batch_size: int) -> AsyncIterator[Sequence[Record]]:
        after_id: str | None = None
        while True:
            async with self._context.reading() as uow:
                batch = await _page(uow.transfer, resource, after_id, batch_size)
            if batch:
                yield batch
            if len(batch) < batch_size:
                return
            after_id = batch[-1].id
