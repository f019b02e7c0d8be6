"""The sequence engine (API.md §7): due steps, stop reasons, and sending at most once."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import anyio
import pytest

from pauhu_crm_core import CRM, Contact, CrmWorkspace, ProviderError, ValidationFailed
from pauhu_crm_core.entities import ActivityType, DeliveryStatus, EnrollmentStatus
from pauhu_crm_core.ports import Store
from pauhu_crm_core.services.context import SequenceSettings
from pauhu_crm_core.testing import FrozenClock, RecordingBatchMailer, RecordingMailer

pytestmark = pytest.mark.anyio

HOT = "seq-hot-sovereign"  # steps on days 0, 2 and 5


@pytest.fixture(
    params=[
        pytest.param(RecordingMailer, id="per-message"),
        pytest.param(RecordingBatchMailer, id="batch"),
    ]
)
def mailer(request: pytest.FixtureRequest) -> RecordingMailer:
    # Every behaviour holds whether the engine sends one message at a time (SMTP, Brevo)
    # or hands the mailer a whole batch (the outbox).
    kind: type[RecordingMailer] = request.param
    return kind()


@pytest.fixture
def settings() -> SequenceSettings:
    return SequenceSettings(public_url="https://crm.pauhu.eu", max_attempts=2)


@pytest.fixture
def crm(
    store: Store, clock: FrozenClock, mailer: RecordingMailer, settings: SequenceSettings
) -> CRM:
    return CRM(store=store, clock=clock, mailer=mailer, sequences=settings)


async def enrolled(ws: CrmWorkspace, email: str = "sanna@dvv.fi", sequence: str = HOT) -> Contact:
    company = await ws.companies.create(name="DVV", domain=f"{email.split('@')[0]}.dvv.fi")
    contact = await ws.contacts.create(
        email=email, first_name="Sanna", last_name="Virtanen", company_id=company.id
    )
    await ws.sequences.enroll(sequence, contact_id=contact.id)
    return contact


def token_of(message_url: str) -> str:
    return parse_qs(urlsplit(message_url).query)["token"][0]


async def test_steps_go_out_on_their_days_and_the_enrolment_completes(
    ws: CrmWorkspace, clock: FrozenClock, mailer: RecordingMailer
) -> None:
    contact = await enrolled(ws)
    sent_on_day = {}
    for day in range(7):
        result = await ws.sequences.run()
        sent_on_day[day] = result.sent
        clock.advance(days=1)

    assert sent_on_day == {0: 1, 1: 0, 2: 1, 3: 0, 4: 0, 5: 1, 6: 0}
    [enrollment] = (await ws.sequences.enrollments(HOT)).items
    assert enrollment.status is EnrollmentStatus.COMPLETED
    assert (await ws.sequences.get(HOT)).enrollment_counts.completed == 1
    assert len(mailer.to(contact.email or "")) == 3


async def test_a_sent_step_is_personal_and_carries_unsubscribe_headers(
    ws: CrmWorkspace, mailer: RecordingMailer
) -> None:
    contact = await enrolled(ws)

    result = await ws.sequences.run()

    assert (result.processed, result.sent, result.skipped, result.errors) == (1, 1, 0, 0)
    [message] = mailer.sent
    assert message.to == "sanna@dvv.fi"
    assert message.subject == "Sovereign EU regulatory search for DVV"
    assert message.text.startswith("Hi Sanna,")
    unsubscribe = message.headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://crm.pauhu.eu/unsubscribe?token=")
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in message.text
    assert message.message_id.startswith("<")
    assert message.message_id.endswith(">")
    [activity] = (await ws.activities.list(contact_id=contact.id)).items
    assert activity.type is ActivityType.EMAIL
    assert activity.metadata["sequence_id"] == HOT
    assert activity.metadata["step_index"] == 0
    assert activity.metadata["message_id"] == message.message_id
    assert (await ws.contacts.get(contact.id)).last_activity_at == activity.occurred_at


async def test_values_are_text_and_never_templates_themselves(
    ws: CrmWorkspace, mailer: RecordingMailer
) -> None:
    contact = await ws.contacts.create(email="x@example.eu", first_name="{{ email }} <b>")
    await ws.sequences.enroll(HOT, contact_id=contact.id)

    await ws.sequences.run()

    [message] = mailer.sent
    assert "Hi {{ email }} <b>," in message.text
    assert "Hi {{ email }} &lt;b&gt;," in message.html


async def test_a_step_due_on_a_weekend_goes_out_with_the_next_run(
    ws: CrmWorkspace, clock: FrozenClock, mailer: RecordingMailer
) -> None:
    clock.set(clock.now().replace(day=5))  # Thursday 2026-03-05
    await enrolled(ws)
    await ws.sequences.run()  # day 0 step
    clock.set(clock.now().replace(day=9))  # Monday: day 2 (Saturday) was skipped

    result = await ws.sequences.run()

    assert result.sent == 1
    assert [m.subject for m in mailer.sent][1] == "Air-gapped deployment, in one afternoon"


async def test_a_paused_sequence_sends_nothing_until_resumed(
    ws: CrmWorkspace, mailer: RecordingMailer
) -> None:
    await enrolled(ws)
    await ws.sequences.update(HOT, status="paused")

    assert (await ws.sequences.run()).sent == 0
    await ws.sequences.update(HOT, status="active")
    assert (await ws.sequences.run()).sent == 1


async def test_unsubscribing_through_the_link_stops_everything(
    crm: CRM, ws: CrmWorkspace, clock: FrozenClock, mailer: RecordingMailer
) -> None:
    contact = await enrolled(ws)
    await ws.sequences.run()
    token = token_of(mailer.sent[0].headers["List-Unsubscribe"].strip("<>"))

    unsubscribed = await crm.unsubscribe(token)
    clock.advance(days=2)

    assert unsubscribed is not None
    assert unsubscribed.unsubscribed_at == clock.now() - timedelta(days=2)
    assert (await ws.sequences.run()).sent == 0
    [enrollment] = (await ws.sequences.enrollments(HOT)).items
    assert (enrollment.status, enrollment.stopped_reason) == (
        EnrollmentStatus.STOPPED,
        "unsubscribed",
    )
    with pytest.raises(ValidationFailed):
        await ws.sequences.enroll("seq-cold-education", contact_id=contact.id)


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("", id="empty"),
        pytest.param("abc", id="no-signature"),
        pytest.param("d3MtYTphYmM.AAAAAAAAAAAAAAAAAAAAAA", id="forged-signature"),
    ],
)
async def test_a_forged_unsubscribe_token_is_refused(crm: CRM, token: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await crm.unsubscribe(token)
    assert caught.value.details[0]["field"] == "token"


async def test_a_tampered_token_is_refused(
    crm: CRM, ws: CrmWorkspace, mailer: RecordingMailer
) -> None:
    await enrolled(ws)
    await ws.sequences.run()
    token = token_of(mailer.sent[0].headers["List-Unsubscribe"].strip("<>"))
    payload, signature = token.split(".")
    other_contact = payload[:-2] + ("AA" if not payload.endswith("AA") else "BB")

    with pytest.raises(ValidationFailed):
        await crm.unsubscribe(f"{other_contact}.{signature}")


async def test_each_stop_reason_ends_the_enrolment(
    ws: CrmWorkspace, clock: FrozenClock, mailer: RecordingMailer
) -> None:
    no_email = await enrolled(ws, "a@example.eu")
    customer = await enrolled(ws, "b@example.eu")
    replied = await enrolled(ws, "c@example.eu")
    deleted = await enrolled(ws, "d@example.eu")
    await ws.contacts.update(no_email.id, email=None)
    await ws.contacts.update(customer.id, lifecycle_stage="customer")
    await ws.activities.create(
        contact_id=replied.id, type="email", metadata={"direction": "inbound"}
    )
    await ws.contacts.delete(deleted.id)

    result = await ws.sequences.run()

    assert (result.sent, mailer.sent) == (0, [])
    reasons = {e.contact_id: e.stopped_reason for e in (await ws.sequences.enrollments(HOT)).items}
    assert reasons == {no_email.id: "no_email", customer.id: "customer", replied.id: "replied"}


async def test_an_outbound_email_activity_is_not_a_reply(ws: CrmWorkspace) -> None:
    contact = await enrolled(ws)
    await ws.activities.create(
        contact_id=contact.id, type="email", metadata={"direction": "outbound"}
    )

    assert (await ws.sequences.run()).sent == 1


async def test_concurrent_runs_send_each_due_step_exactly_once(
    ws: CrmWorkspace, mailer: RecordingMailer
) -> None:
    for n in range(12):
        await enrolled(ws, f"p{n}@example.eu")
    results = []

    async def run() -> None:
        results.append(await ws.sequences.run())

    async with anyio.create_task_group() as group:
        for _ in range(6):
            group.start_soon(run)

    assert sorted(m.to for m in mailer.sent) == sorted(f"p{n}@example.eu" for n in range(12))
    assert sum(r.sent for r in results) == 12
    deliveries = await ws.sequences.deliveries(status="sent")
    assert deliveries.total == 12


async def test_a_run_that_dies_while_sending_never_resends_by_itself(
    ws: CrmWorkspace, clock: FrozenClock, mailer: RecordingMailer
) -> None:
    await enrolled(ws)
    mailer.crash_after = 0
    # Sent one at a time by concurrent tasks, the crash still comes as itself.
    with pytest.raises(RuntimeError, match="died"):
        await ws.sequences.run()
    mailer.crash_after = None

    assert (await ws.sequences.run()).sent == 0  # still claimed by the dead run
    clock.advance(minutes=20)  # past the claim lease
    later = await ws.sequences.run()

    assert (later.sent, later.uncertain) == (0, 1)
    [uncertain] = (await ws.sequences.deliveries(status="uncertain")).items
    await ws.sequences.retry_delivery(uncertain.id)
    assert (await ws.sequences.run()).sent == 1
    assert len(mailer.sent) == 1


async def test_a_failed_send_is_retried_up_to_the_limit(
    ws: CrmWorkspace, clock: FrozenClock, mailer: RecordingMailer
) -> None:
    contact = await enrolled(ws)
    mailer.fail_for[contact.email or ""] = ProviderError("mailbox busy")

    first = await ws.sequences.run()
    second = await ws.sequences.run()
    third = await ws.sequences.run()

    assert (first.errors, second.errors, third.errors) == (1, 1, 0)
    [delivery] = (await ws.sequences.deliveries()).items
    assert (delivery.status, delivery.attempts, delivery.error) == (
        DeliveryStatus.FAILED,
        2,
        "mailbox busy",
    )
    [enrollment] = (await ws.sequences.enrollments(HOT)).items
    assert (enrollment.status, enrollment.stopped_reason) == (
        EnrollmentStatus.STOPPED,
        "send_failed",
    )


async def test_a_permanent_failure_stops_at_once(ws: CrmWorkspace, mailer: RecordingMailer) -> None:
    contact = await enrolled(ws)
    mailer.fail_for[contact.email or ""] = ProviderError("no such mailbox", permanent=True)

    assert (await ws.sequences.run()).errors == 1
    [enrollment] = (await ws.sequences.enrollments(HOT)).items
    assert enrollment.stopped_reason == "send_failed"


async def test_a_run_sends_no_more_than_its_cap(
    store: Store, clock: FrozenClock, mailer: RecordingMailer, workspace_id: str
) -> None:
    crm = CRM(
        store=store, clock=clock, mailer=mailer, sequences=SequenceSettings(max_sends_per_run=2)
    )
    ws = crm.workspace(workspace_id)
    for n in range(5):
        await enrolled(ws, f"p{n}@example.eu")

    assert [(await ws.sequences.run()).sent for _ in range(4)] == [2, 2, 1, 0]


async def test_new_steps_reschedule_active_enrolments(
    ws: CrmWorkspace, clock: FrozenClock, mailer: RecordingMailer
) -> None:
    await ws.sequences.create(
        id="seq-short",
        name="Short",
        steps=[
            {"subject": "One", "body": "1", "delay_days": 0},
            {"subject": "Two", "body": "2", "delay_days": 10},
        ],
    )
    await enrolled(ws, sequence="seq-short")
    await ws.sequences.run()
    await ws.sequences.update(
        "seq-short",
        steps=[
            {"subject": "One", "body": "1", "delay_days": 0},
            {"subject": "Two, sooner", "body": "2", "delay_days": 1},
        ],
    )
    clock.advance(days=1)

    assert (await ws.sequences.run()).sent == 1
    assert mailer.sent[-1].subject == "Two, sooner"
