"""The engine and ``BatchMailer.send_many``: one call per batch, each outcome recorded on
its own message; and the mailers without it (SMTP, Brevo) still sent to one at a time."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator, Sequence
from datetime import timedelta

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from pauhu_crm_adapters.mail import BrevoMailer, OutboxMailer, SmtpMailer
from pauhu_crm_core import CRM, CrmWorkspace, ProviderError
from pauhu_crm_core.entities import ActivityType, DeliveryStatus, EnrollmentStatus
from pauhu_crm_core.mail import EmailMessage, SendReceipt
from pauhu_crm_core.ports import BatchMailer, Mailer, Store
from pauhu_crm_core.services.context import SequenceSettings
from pauhu_crm_core.testing import FrozenClock, RecordingBatchMailer

pytestmark = pytest.mark.anyio

HOT = "seq-hot-sovereign"  # steps on days 0, 2 and 5


async def enrol(ws: CrmWorkspace, *names: str) -> dict[str, str]:
    """Enrol one contact per name in the hot sequence; answer their ids by address."""
    company = await ws.companies.create(name="DVV", domain="dvv.fi")
    ids = {}
    for name in names:
        contact = await ws.contacts.create(
            email=f"{name}@dvv.fi", first_name=name.title(), company_id=company.id
        )
        await ws.sequences.enroll(HOT, contact_id=contact.id)
        ids[f"{name}@dvv.fi"] = contact.id
    return ids


def workspace(store: Store, clock: FrozenClock, mailer: Mailer, workspace_id: str) -> CrmWorkspace:
    settings = SequenceSettings(public_url="https://crm.pauhu.eu", max_attempts=2)
    return CRM(store=store, clock=clock, mailer=mailer, sequences=settings).workspace(workspace_id)


async def statuses(ws: CrmWorkspace) -> dict[str, tuple[EnrollmentStatus, str | None]]:
    """Each enrolment's status and stop reason, by contact id."""
    page = await ws.sequences.enrollments(HOT)
    return {e.contact_id: (e.status, e.stopped_reason) for e in page.items}


async def test_a_batch_with_permanent_and_temporary_failures_records_each_outcome(
    store: Store, clock: FrozenClock, workspace_id: str
) -> None:
    mailer = RecordingBatchMailer()
    ws = workspace(store, clock, mailer, workspace_id)
    ids = await enrol(ws, "aino", "bruno", "cecilia", "dora")
    mailer.fail_for["bruno@dvv.fi"] = ProviderError("no such mailbox", permanent=True)
    mailer.fail_for["cecilia@dvv.fi"] = ProviderError("mailbox busy")

    result = await ws.sequences.run()

    assert mailer.batches == [4]  # one call for the whole batch
    assert (result.processed, result.sent, result.errors, result.skipped) == (4, 2, 2, 0)
    assert sorted(m.to for m in mailer.sent) == ["aino@dvv.fi", "dora@dvv.fi"]
    by_contact = {d.contact_id: d for d in (await ws.sequences.deliveries()).items}
    assert {address: by_contact[id].status for address, id in ids.items()} == {
        "aino@dvv.fi": DeliveryStatus.SENT,
        "bruno@dvv.fi": DeliveryStatus.FAILED,
        "cecilia@dvv.fi": DeliveryStatus.FAILED,
        "dora@dvv.fi": DeliveryStatus.SENT,
    }
    assert by_contact[ids["bruno@dvv.fi"]].error == "no such mailbox"
    assert by_contact[ids["cecilia@dvv.fi"]].error == "mailbox busy"
    assert by_contact[ids["aino@dvv.fi"]].sent_at == clock.now()
    assert await statuses(ws) == {
        ids["aino@dvv.fi"]: (EnrollmentStatus.ACTIVE, None),  # on to step 1
        ids["bruno@dvv.fi"]: (EnrollmentStatus.STOPPED, "send_failed"),  # permanent: at once
        ids["cecilia@dvv.fi"]: (EnrollmentStatus.ACTIVE, None),  # temporary: tried again
        ids["dora@dvv.fi"]: (EnrollmentStatus.ACTIVE, None),
    }
    for address, id in ids.items():
        emails = (await ws.activities.list(contact_id=id, type="email")).items
        assert len(emails) == (1 if address in ("aino@dvv.fi", "dora@dvv.fi") else 0)

    # The next run sends only the temporary failure's step again; it works this time.
    del mailer.fail_for["cecilia@dvv.fi"]
    again = await ws.sequences.run()

    assert (again.sent, again.errors, mailer.batches) == (1, 0, [4, 1])
    assert mailer.sent[-1].to == "cecilia@dvv.fi"
    retried = [
        d for d in (await ws.sequences.deliveries()).items if d.contact_id == ids["cecilia@dvv.fi"]
    ]
    assert [(d.status, d.attempts) for d in retried] == [(DeliveryStatus.SENT, 2)]


async def test_a_temporary_failure_in_every_batch_stops_after_max_attempts(
    store: Store, clock: FrozenClock, workspace_id: str
) -> None:
    mailer = RecordingBatchMailer()
    ws = workspace(store, clock, mailer, workspace_id)
    ids = await enrol(ws, "aino")
    mailer.fail_for["aino@dvv.fi"] = ProviderError("mailbox busy")

    first, second, third = [await ws.sequences.run() for _ in range(3)]

    assert [r.errors for r in (first, second, third)] == [1, 1, 0]  # max_attempts = 2
    assert await statuses(ws) == {ids["aino@dvv.fi"]: (EnrollmentStatus.STOPPED, "send_failed")}


class RefusingBatchMailer(RecordingBatchMailer):
    """``send_many`` fails for the whole batch (a provider's batch API down)."""

    async def send_many(
        self, messages: Sequence[EmailMessage]
    ) -> Sequence[SendReceipt | ProviderError]:
        self.batches.append(len(messages))
        raise ProviderError("batch API unavailable")


async def test_a_batch_mailer_that_fails_the_whole_batch_fails_each_of_its_messages(
    store: Store, clock: FrozenClock, workspace_id: str
) -> None:
    mailer = RefusingBatchMailer()
    ws = workspace(store, clock, mailer, workspace_id)
    await enrol(ws, "aino", "bruno")

    result = await ws.sequences.run()

    assert (result.sent, result.errors) == (0, 2)
    deliveries = (await ws.sequences.deliveries()).items
    assert {(d.status, d.error) for d in deliveries} == {
        (DeliveryStatus.FAILED, "batch API unavailable")
    }
    assert {s for s, _ in (await statuses(ws)).values()} == {EnrollmentStatus.ACTIVE}


class MiscountingBatchMailer(RecordingBatchMailer):
    """Answers one outcome fewer than it was given messages: a bug in the mailer."""

    async def send_many(
        self, messages: Sequence[EmailMessage]
    ) -> Sequence[SendReceipt | ProviderError]:
        return list(await super().send_many(messages))[:-1]


async def test_answers_that_do_not_match_the_messages_leave_the_claims_uncertain(
    store: Store, clock: FrozenClock, workspace_id: str
) -> None:
    mailer = MiscountingBatchMailer()
    ws = workspace(store, clock, mailer, workspace_id)
    await enrol(ws, "aino", "bruno")

    with pytest.raises(RuntimeError, match="answered 1 outcomes for 2 messages"):
        await ws.sequences.run()
    clock.advance(minutes=20)  # past the claim lease
    later = await ws.sequences.run()

    # Which message went out is unknown: neither is sent again by itself.
    assert (later.sent, later.uncertain) == (0, 2)
    assert len(mailer.sent) == 2


async def test_the_outbox_mailer_keeps_a_batch_and_refuses_bad_messages_alone(
    store: Store, clock: FrozenClock, workspace_id: str
) -> None:
    mailer = OutboxMailer(store, clock)
    await workspace(store, clock, mailer, workspace_id).sequences.list()  # creates it
    good = [message(workspace_id, n) for n in range(3)]
    injected = message(workspace_id, 3, subject="Hi\r\nBcc: everyone@example.eu")
    two_senders = message(workspace_id, 4, sender="a@pauhu.eu, b@pauhu.eu")

    answers = await mailer.send_many([good[0], injected, good[1], two_senders, good[2]])

    assert [type(a) for a in answers] == [
        SendReceipt,
        ProviderError,
        SendReceipt,
        ProviderError,
        SendReceipt,
    ]
    refused = [a for a in answers if isinstance(a, ProviderError)]
    assert all(error.permanent for error in refused)
    assert "line break" in refused[0].message
    receipts = [a for a in answers if isinstance(a, SendReceipt)]
    assert [r.message_id for r in receipts] == [m.message_id for m in good]
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        kept = await uow.outbox.find(limit=10, offset=0)
    assert kept.total == 3
    assert {m.id for m in kept.items} == {r.provider_id for r in receipts}
    assert {m.to for m in kept.items} == {m.to for m in good}
    assert await mailer.send_many([]) == []


async def test_the_engine_with_the_outbox_mailer_keeps_every_due_step(
    store: Store, clock: FrozenClock, workspace_id: str
) -> None:
    mailer = OutboxMailer(store, clock)
    assert isinstance(mailer, BatchMailer)
    ws = workspace(store, clock, mailer, workspace_id)
    await enrol(ws, "aino", "bruno", "cecilia")

    result = await ws.sequences.run()

    assert (result.sent, result.errors) == (3, 0)
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        kept = await uow.outbox.find(limit=10, offset=0)
    assert sorted(m.to for m in kept.items) == ["aino@dvv.fi", "bruno@dvv.fi", "cecilia@dvv.fi"]
    assert {m.message_id for m in kept.items} == {
        d.message_id for d in (await ws.sequences.deliveries(status="sent")).items
    }


def message(workspace_id: str, n: int, **changes: str) -> EmailMessage:
    fields = {
        "workspace_id": workspace_id,
        "message_id": f"<enr-{n}.step-0@crm.example.eu>",
        "sender": "Pauhu Myynti <sales@pauhu.example>",
        "to": f"person{n}@example.fi",
        "subject": f"Hei {n}",
        "text": "Hei",
        "html": "<p>Hei</p>",
        **changes,
    }
    return EmailMessage(**fields)


# The mailers without send_many: the engine sends to them one message at a time.


class CollectingHandler:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, CollectingHandler]]:
    handler = CollectingHandler()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


async def test_the_smtp_mailer_is_sent_to_one_message_at_a_time(
    store: Store,
    clock: FrozenClock,
    workspace_id: str,
    smtp_server: tuple[Controller, CollectingHandler],
) -> None:
    server, handler = smtp_server
    mailer = SmtpMailer(server.hostname, server.port, security="none", timeout=5, clock=clock)
    assert not isinstance(mailer, BatchMailer)
    ws = workspace(store, clock, mailer, workspace_id)
    await enrol(ws, "aino", "bruno", "cecilia")
    try:
        result = await ws.sequences.run()
    finally:
        await mailer.aclose()

    assert (result.sent, result.errors) == (3, 0)
    assert sorted(address for e in handler.envelopes for address in e.rcpt_tos) == [
        "aino@dvv.fi",
        "bruno@dvv.fi",
        "cecilia@dvv.fi",
    ]


async def test_the_brevo_mailer_is_sent_to_one_message_at_a_time(
    store: Store, clock: FrozenClock, workspace_id: str
) -> None:
    requests: list[dict[str, object]] = []

    def brevo(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        requests.append(body)
        if body["to"][0]["email"] == "bruno@dvv.fi":
            return httpx.Response(400, json={"code": "invalid_parameter"})
        return httpx.Response(201, json={"messageId": f"<brevo-{len(requests)}@relay>"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(brevo)) as client:
        mailer = BrevoMailer("xkeysib-test", client=client)
        assert not isinstance(mailer, BatchMailer)
        ws = workspace(store, clock, mailer, workspace_id)
        ids = await enrol(ws, "aino", "bruno", "cecilia")
        result = await ws.sequences.run()

    assert (result.sent, result.errors, len(requests)) == (2, 1, 3)
    assert (await statuses(ws))[ids["bruno@dvv.fi"]] == (EnrollmentStatus.STOPPED, "send_failed")
    activities = await ws.activities.list(contact_id=ids["aino@dvv.fi"])
    assert [a.type for a in activities.items] == [ActivityType.EMAIL]


async def test_a_dead_runs_claims_of_a_batch_become_uncertain_together(
    store: Store, clock: FrozenClock, workspace_id: str
) -> None:
    mailer = RecordingBatchMailer()
    ws = workspace(store, clock, mailer, workspace_id)
    await enrol(ws, "aino", "bruno", "cecilia")
    mailer.crash_after = 1  # the second message of the batch kills the process

    with pytest.raises(RuntimeError, match="died"):
        await ws.sequences.run()
    mailer.crash_after = None
    clock.advance(timedelta(minutes=20))
    later = await ws.sequences.run()

    assert (later.sent, later.uncertain) == (0, 3)
    assert len(mailer.sent) == 1
