"""Sequences and enrolments through the library facade (API.md §7), on every backend."""

from __future__ import annotations

import pytest

from pauhu_crm_core import CRM, Conflict, CrmWorkspace, NotFound, ValidationFailed
from pauhu_crm_core.entities import EnrollmentStatus, ScoreSegment, SequenceStatus
from pauhu_crm_core.ports import Store
from pauhu_crm_core.testing import FrozenClock, RecordingMailer

pytestmark = pytest.mark.anyio

STEP = {"subject": "Hello {{ first_name }}", "body": "Hi {{ first_name }}.", "delay_days": 0}


@pytest.fixture
def mailer() -> RecordingMailer:
    return RecordingMailer()


@pytest.fixture
def crm(store: Store, clock: FrozenClock, mailer: RecordingMailer) -> CRM:
    return CRM(store=store, clock=clock, mailer=mailer)


def fields(error: ValidationFailed) -> list[str]:
    return [detail["field"] for detail in error.details]


async def test_a_new_workspace_starts_with_the_three_seed_sequences(ws: CrmWorkspace) -> None:
    page = await ws.sequences.list()

    assert [
        (s.sequence.id, s.sequence.segment, [step.delay_days for step in s.sequence.steps])
        for s in page.items
    ] == [
        ("seq-hot-sovereign", ScoreSegment.HOT, [0, 2, 5]),
        ("seq-warm-regulatory", ScoreSegment.WARM, [0, 4, 8, 14, 21]),
        ("seq-cold-education", ScoreSegment.COLD, [0, 7, 14]),
    ]
    assert all(s.sequence.status is SequenceStatus.ACTIVE for s in page.items)
    detail = await ws.sequences.get("seq-warm-regulatory")
    assert (detail.enrollment_counts.active, detail.enrollment_counts.completed) == (0, 0)


async def test_creating_a_sequence_checks_templates_and_delays(ws: CrmWorkspace) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await ws.sequences.create(
            name="Bad",
            steps=[
                {"subject": "Hi {{ frist_name }}", "body": "ok", "delay_days": 3},
                {"subject": "ok", "body": "Hi {{ 7 * 7 }}", "delay_days": 1},
            ],
        )
    assert fields(caught.value) == [
        "steps.0.subject",
        "steps.1.body",
        "steps.1.delay_days",
    ]
    with pytest.raises(ValidationFailed) as caught:
        await ws.sequences.create(name="Empty", steps=[])
    assert fields(caught.value) == ["steps"]


async def test_a_sequence_is_created_and_changed(ws: CrmWorkspace) -> None:
    created = await ws.sequences.create(
        id="seq-pilot", name="Pilot", segment="warm", steps=[STEP, {**STEP, "delay_days": 3}]
    )
    changed = await ws.sequences.update("seq-pilot", status="paused", description="On hold")

    assert created.sequence.id == "seq-pilot"
    assert (changed.sequence.status, changed.sequence.description) == (
        SequenceStatus.PAUSED,
        "On hold",
    )
    assert [s.delay_days for s in changed.sequence.steps] == [0, 3]
    with pytest.raises(Conflict):
        await ws.sequences.create(id="seq-pilot", name="Again", steps=[STEP])


async def test_a_contact_is_actively_enrolled_in_one_sequence_at_most(ws: CrmWorkspace) -> None:
    contact = await ws.contacts.create(email="a@example.eu")
    enrollment = await ws.sequences.enroll("seq-hot-sovereign", contact_id=contact.id)

    with pytest.raises(Conflict):
        await ws.sequences.enroll("seq-cold-education", contact_id=contact.id)
    assert enrollment.status is EnrollmentStatus.ACTIVE
    assert enrollment.next_step == 0
    assert (await ws.sequences.get("seq-hot-sovereign")).enrollment_counts.active == 1

    stopped = await ws.sequences.stop("seq-hot-sovereign", contact.id)
    assert stopped.status is EnrollmentStatus.STOPPED
    again = await ws.sequences.enroll("seq-cold-education", contact_id=contact.id)
    assert again.status is EnrollmentStatus.ACTIVE


@pytest.mark.parametrize(
    ("contact", "field"),
    [
        pytest.param({"first_name": "No address"}, "contact_id", id="no-email"),
    ],
)
async def test_a_contact_that_cannot_be_mailed_is_not_enrolled(
    ws: CrmWorkspace, contact: dict[str, str], field: str
) -> None:
    created = await ws.contacts.create(contact)

    with pytest.raises(ValidationFailed) as caught:
        await ws.sequences.enroll("seq-hot-sovereign", contact_id=created.id)
    assert fields(caught.value) == [field]


async def test_enrolling_needs_a_real_contact_and_sequence(crm: CRM, ws: CrmWorkspace) -> None:
    foreign = await crm.workspace(ws.id + "-b").contacts.create(email="b@example.eu")

    with pytest.raises(ValidationFailed):
        await ws.sequences.enroll("seq-hot-sovereign", contact_id=foreign.id)
    with pytest.raises(NotFound):
        await ws.sequences.enroll("seq-nope", contact_id=foreign.id)
    with pytest.raises(NotFound):
        await ws.sequences.stop("seq-hot-sovereign", foreign.id)


async def test_enrolments_are_listed_per_sequence(ws: CrmWorkspace) -> None:
    contacts = [await ws.contacts.create(email=f"p{n}@example.eu") for n in range(3)]
    for contact in contacts:
        await ws.sequences.enroll("seq-warm-regulatory", contact_id=contact.id)
    await ws.sequences.stop("seq-warm-regulatory", contacts[0].id)

    active = await ws.sequences.enrollments("seq-warm-regulatory", status="active")
    everyone = await ws.sequences.enrollments("seq-warm-regulatory")

    assert active.total == 2
    assert everyone.total == 3
    assert (await ws.sequences.enrollments("seq-hot-sovereign")).total == 0


async def test_another_workspace_sees_none_of_it(crm: CRM, ws: CrmWorkspace) -> None:
    contact = await ws.contacts.create(email="a@example.eu")
    await ws.sequences.create(id="seq-mine", name="Mine", steps=[STEP])
    await ws.sequences.enroll("seq-mine", contact_id=contact.id)
    other = crm.workspace(ws.id + "-b")

    with pytest.raises(NotFound):
        await other.sequences.get("seq-mine")
    with pytest.raises(NotFound):
        await other.sequences.update("seq-mine", name="Taken")
    assert (await other.sequences.enrollments("seq-hot-sovereign")).total == 0
    assert (await other.sequences.get("seq-hot-sovereign")).enrollment_counts.active == 0
