"""The default mailer: keeps every message in the workspace's outbox and sends nothing.

A fresh install therefore cannot e-mail real people by accident; the kept
messages can be read back (``uow.outbox.find``) to see what would have gone
out. It runs the same checks as the real mailers, so what the outbox accepts
SMTP or Brevo would accept too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pauhu_crm_core.entities import OutboxMessage
from pauhu_crm_core.errors import ProviderError
from pauhu_crm_core.ids import new_id
from pauhu_crm_core.mail import EmailMessage, SendReceipt
from pauhu_crm_core.ports import Clock, Store

from .message import check_message


class OutboxMailer:
    """A ``BatchMailer`` that stores each message, or each batch, in one transaction of
    its workspace."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def __repr__(self) -> str:
        return "OutboxMailer()"

    async def send(self, message: EmailMessage) -> SendReceipt:
        check_message(message)
        kept = _kept(message, self._clock.now())
        async with self._store.unit_of_work(message.workspace_id) as uow:
            await uow.outbox.add(kept)
            await uow.commit()
        return _receipt(kept)

    async def send_many(
        self, messages: Sequence[EmailMessage]
    ) -> Sequence[SendReceipt | ProviderError]:
        """Check every message, then keep those that pass in one transaction per workspace
        (the engine's batches are of one workspace: one insert, one commit). A refused
        message is answered with its permanent ``ProviderError`` and kept nowhere."""
        now = self._clock.now()
        answers: list[SendReceipt | ProviderError] = []
        by_workspace: dict[str, list[OutboxMessage]] = {}
        for message in messages:
            try:
                check_message(message)
            except ProviderError as exc:
                answers.append(exc)
                continue
            kept = _kept(message, now)
            by_workspace.setdefault(message.workspace_id, []).append(kept)
            answers.append(_receipt(kept))
        for workspace_id, batch in by_workspace.items():
            async with self._store.unit_of_work(workspace_id) as uow:
                await uow.outbox.add_many(batch)
                await uow.commit()
        return answers

    async def aclose(self) -> None:
        """Nothing to close: the store belongs to the caller."""


def _kept(message: EmailMessage, now: datetime) -> OutboxMessage:
    return OutboxMessage(
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


def _receipt(kept: OutboxMessage) -> SendReceipt:
    # The outbox row's id stands in for a provider's id: it names where the message went.
    return SendReceipt(message_id=kept.message_id, provider_id=kept.id)
