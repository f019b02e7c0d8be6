"""The outbox: rows <-> ``OutboxMessage``, the e-mails the outbox mailer keeps instead of sending.

The column for the recipient is ``to_address``: ``to`` is an SQL keyword. A person's
messages are found and erased by it (``ix_outbox_to``), compared exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from pauhu_crm_core.entities import OutboxMessage, Page

from ..errors import translate_write_error
from ..tables import outbox
from .base import RowValues, TenantTableBase, equal_to


def outbox_message_from_row(row: RowValues) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        message_id=row["message_id"],
        to=row["to_address"],
        sender=row["sender"],
        subject=row["subject"],
        text=row["text"],
        html=row["html"],
        headers=row["headers"],
        created_at=row["created_at"],
    )


def outbox_message_values(message: OutboxMessage) -> dict[str, Any]:
    """Every column of an outbox row but ``workspace_id``."""
    return {
        "id": message.id,
        "message_id": message.message_id,
        "to_address": message.to,
        "sender": message.sender,
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "headers": dict(message.headers),
        "created_at": message.created_at,
    }


class SqlOutboxRepository(TenantTableBase[OutboxMessage]):
    table = outbox
    order_by = (outbox.c.created_at.desc(), outbox.c.id.desc())
    from_row = outbox_message_from_row
    to_values = outbox_message_values

    async def add(self, message: OutboxMessage) -> None:
        await self._add(message)

    async def add_many(self, messages: Sequence[OutboxMessage]) -> None:
        """One executemany INSERT (the outbox mailer keeps a whole batch of sends at once)."""
        if not messages:
            return
        rows = [{"workspace_id": self._workspace_id, **outbox_message_values(m)} for m in messages]
        try:
            await self._conn.execute(insert(outbox), rows)
        except IntegrityError as exc:
            # Which row broke a rule is unknown in a batch, so name a value only for one.
            raise translate_write_error(exc, outbox, rows[0] if len(rows) == 1 else {}) from exc

    async def find(self, *, to: str | None = None, limit: int, offset: int) -> Page[OutboxMessage]:
        """Newest first; ``to`` keeps the messages sent to exactly that address
        (``ix_outbox_to``)."""
        conditions = equal_to(outbox, {"to_address": to})
        return await self._page(conditions, limit=limit, offset=offset)

    async def delete_to(self, address: str) -> int:
        """Delete the messages sent to exactly ``address`` (erasure; the core stores
        addresses lower-cased), in one statement; answer how many."""
        return await self._delete_where(outbox.c.to_address == address)
