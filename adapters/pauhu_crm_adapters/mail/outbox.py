"""The default mailer: keeps every message in the workspace's outbox and sends nothing.

A fresh install therefore cannot e-mail real people by accident; the kept
messages can be read back (``uow.outbox.find``) to see what would have gone
out. It runs the same checks as the real mailers, so what the outbox accepts
SMTP or Brevo would accept too.
"""

from __future__ import annotations

from pauhu_crm_core.entities import OutboxMessage
from pauhu_crm_core.ids import new_id
from pauhu_crm_core.mail import EmailMessage, SendReceipt
from pauhu_crm_core.ports import Clock, Store

from .message import check_message


class OutboxMailer:
    """A ``Mailer`` that stores each message in one transaction of its workspace."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def __repr__(self) -> str:
        return "OutboxMailer()"

    async def send(self, message: EmailMessage) -> SendReceipt:
        check_message(message)
        now = self._clock.now()
        kept = OutboxMessage(
            id=new_id(now),
            message_id=message.message_id,
            to=message.to,
            sender=message.sender,
            subject=message.subject,
            text=message.text,
            html=message.html,
            headers=dict(message.headers),
            created_at=now,
        )
        async with self._store.unit_of_work(message.workspace_id) as uow:
            await uow.outbox.add(kept)
            await uow.commit()
        # The outbox row's id stands in for a provider's id: it names where the message went.
        return SendReceipt(message_id=message.message_id, provider_id=kept.id)

    async def aclose(self) -> None:
        """Nothing to close: the store belongs to the caller."""
