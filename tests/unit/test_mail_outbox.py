"""The outbox mailer keeps each message in its workspace's outbox, in one committed unit of work.

The store here is a fake with only what the mailer touches; the SQL outbox
repository is tested with the SQL store.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest

from pauhu_crm_adapters.mail import OutboxMailer
from pauhu_crm_core.entities import OutboxMessage
from pauhu_crm_core.errors import ProviderError
from pauhu_crm_core.mail import EmailMessage
from pauhu_crm_core.ports import Mailer
from pauhu_crm_core.testing import FrozenClock

NOW = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)

MESSAGE = EmailMessage(
    workspace_id="ws-pauhu",
    message_id="<enr-1.step-0@crm.example.eu>",
    sender="Pauhu Myynti <sales@pauhu.example>",
    to="Äijälä Örö <aijala@example.fi>",
    subject="Hei Äijälä",
    text="Hei Äijälä",
    html="<p>Hei Äijälä</p>",
    headers={
        "List-Unsubscribe": "<https://crm.example.eu/unsubscribe?token=abc>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
)


class FakeOutbox:
    def __init__(self) -> None:
        self.pending: list[OutboxMessage] = []

    async def add(self, message: OutboxMessage) -> None:
        self.pending.append(message)


class FakeUnitOfWork:
    def __init__(self, workspace_id: str) -> None:
        self.workspace_id = workspace_id
        self.outbox = FakeOutbox()
        self.committed = False

    async def commit(self) -> None:
        self.committed = True


class FakeStore:
    """Only ``unit_of_work``; it remembers every unit of work it opened."""

    def __init__(self) -> None:
        self.units: list[FakeUnitOfWork] = []

    @asynccontextmanager
    async def unit_of_work(
        self, workspace_id: str, *, read_only: bool = False
    ) -> AsyncIterator[FakeUnitOfWork]:
        assert not read_only
        unit = FakeUnitOfWork(workspace_id)
        self.units.append(unit)
        yield unit


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def mailer(store: FakeStore) -> OutboxMailer:
    return OutboxMailer(store, FrozenClock(NOW))  # type: ignore[arg-type]


def test_the_outbox_mailer_conforms_to_the_mailer_port(mailer: OutboxMailer) -> None:
    assert isinstance(mailer, Mailer)


@pytest.mark.anyio
async def test_a_sent_message_is_kept_in_its_workspace_and_committed(
    mailer: OutboxMailer, store: FakeStore
) -> None:
    receipt = await mailer.send(MESSAGE)

    [unit] = store.units
    assert unit.workspace_id == "ws-pauhu"
    assert unit.committed
    [kept] = unit.outbox.pending
    assert kept == OutboxMessage(
        id=kept.id,
        message_id=MESSAGE.message_id,
        to=MESSAGE.to,
        sender=MESSAGE.sender,
        subject=MESSAGE.subject,
        text=MESSAGE.text,
        html=MESSAGE.html,
        headers=dict(MESSAGE.headers),
        created_at=NOW,
    )
    assert receipt.message_id == MESSAGE.message_id
    assert receipt.provider_id == kept.id


@pytest.mark.anyio
async def test_each_kept_message_gets_a_time_ordered_id_from_the_clock(
    mailer: OutboxMailer, store: FakeStore
) -> None:
    await mailer.send(MESSAGE)

    kept_id = uuid.UUID(store.units[0].outbox.pending[0].id)
    assert kept_id.version == 7
    assert kept_id.int >> 80 == int(NOW.timestamp() * 1000)


@pytest.mark.anyio
async def test_a_message_a_real_mailer_would_refuse_is_not_kept(
    mailer: OutboxMailer, store: FakeStore
) -> None:
    evil = EmailMessage(
        workspace_id="ws-pauhu",
        message_id="<enr-2.step-0@crm.example.eu>",
        sender="sales@pauhu.example",
        to="aijala@example.fi",
        subject="Hello\r\nBcc: victim@example.com",
        text="x",
        html="",
    )

    with pytest.raises(ProviderError, match="line break"):
        await mailer.send(evil)

    assert store.units == []
