"""The engine records one batch's outcomes while it claims and sends the next; a
recording that fails ends the run with its own error, and nothing is sent twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import anyio
import pytest

from pauhu_crm_adapters.sql.repositories.deliveries import SqlDeliveryRepository
from pauhu_crm_core import CRM, CrmWorkspace
from pauhu_crm_core.entities import Delivery, DeliveryStatus
from pauhu_crm_core.errors import ProviderError
from pauhu_crm_core.mail import EmailMessage, SendReceipt
from pauhu_crm_core.ports import Store
from pauhu_crm_core.services.context import SequenceSettings
from pauhu_crm_core.services.engine import SequenceEngine
from pauhu_crm_core.testing import FrozenClock, RecordingBatchMailer

pytestmark = pytest.mark.anyio

HOT = "seq-hot-sovereign"


class SignallingMailer(RecordingBatchMailer):
    """Sets ``second_batch`` when the engine sends its second batch."""

    def __init__(self) -> None:
        super().__init__()
        self.second_batch = anyio.Event()

    async def send_many(
        self, messages: Sequence[EmailMessage]
    ) -> Sequence[SendReceipt | ProviderError]:
        answers = await super().send_many(messages)
        if len(self.batches) == 2:
            self.second_batch.set()
        return answers


async def enrolled_workspace(
    store: Store, clock: FrozenClock, mailer: RecordingBatchMailer, workspace_id: str, people: int
) -> CrmWorkspace:
    settings = SequenceSettings(public_url="https://crm.pauhu.eu", batch_size=2)
    crm = CRM(store=store, clock=clock, mailer=mailer, sequences=settings)
    ws = crm.workspace(workspace_id)
    for n in range(people):
        contact = await ws.contacts.create(email=f"p{n}@dvv.fi", first_name=f"P{n}")
        await ws.sequences.enroll(HOT, contact_id=contact.id)
    return ws


async def test_the_next_batch_is_sent_while_the_one_before_is_recorded(
    store: Store, clock: FrozenClock, workspace_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailer = SignallingMailer()
    ws = await enrolled_workspace(store, clock, mailer, workspace_id, people=4)
    record = SequenceEngine._record
    recorded: list[int] = []

    async def record_after_the_next_send(
        self: SequenceEngine, outcomes: Sequence[Any], now: datetime
    ) -> None:
        if not recorded:
            # Sequentially, the second batch would only be sent after this returns:
            # the wait would never end.
            with anyio.fail_after(10):
                await mailer.second_batch.wait()
        recorded.append(len(outcomes))
        await record(self, outcomes, now)

    monkeypatch.setattr(SequenceEngine, "_record", record_after_the_next_send)
    result = await ws.sequences.run()

    assert (result.sent, result.errors) == (4, 0)
    assert mailer.batches == [2, 2]
    assert recorded == [2, 2]
    assert (await ws.sequences.deliveries(status="sent")).total == 4


async def test_a_recording_that_fails_ends_the_run_and_nothing_is_sent_twice(
    store: Store, clock: FrozenClock, workspace_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailer = RecordingBatchMailer()
    ws = await enrolled_workspace(store, clock, mailer, workspace_id, people=6)
    record = SqlDeliveryRepository.record
    calls: list[int] = []

    async def record_failing_once(
        self: SqlDeliveryRepository, deliveries: Sequence[Delivery]
    ) -> None:
        calls.append(len(deliveries))
        if len(calls) == 1:
            raise RuntimeError("the disk is full")
        await record(self, deliveries)

    monkeypatch.setattr(SqlDeliveryRepository, "record", record_failing_once)
    # The recorder's own error, not an ExceptionGroup around it.
    with pytest.raises(RuntimeError, match="the disk is full"):
        await ws.sequences.run()
    assert len(mailer.sent) >= 2  # the first batch went out before its recording failed

    clock.advance(timedelta(minutes=20))  # past the claim lease
    later = await ws.sequences.run()

    # Everybody got the step once: recorded as sent, or uncertain (sent, but its
    # recording failed), which waits for a person and is never sent again by itself.
    assert sorted(m.to for m in mailer.sent) == sorted(f"p{n}@dvv.fi" for n in range(6))
    uncertain = (await ws.sequences.deliveries(status=DeliveryStatus.UNCERTAIN)).items
    sent = (await ws.sequences.deliveries(status=DeliveryStatus.SENT)).total
    assert len(uncertain) >= 2  # at least the batch whose recording failed
    assert later.uncertain == len(uncertain)
    assert sent + len(uncertain) == 6
