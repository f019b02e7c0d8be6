"""The SQL store's sequence tables, on SQLite and PostgreSQL: sequences, enrolments, the
engine's due query, the outbox, app secrets and the list of workspaces.

Deliveries and their claims are in ``test_sql_sequences_deliveries.py``.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import anyio
import anyio.lowlevel
import attrs
import pytest

from pauhu_crm_adapters.sql import SqlStore
from pauhu_crm_core.entities import (
    Company,
    Contact,
    EmailSequence,
    Enrollment,
    EnrollmentCounts,
    EnrollmentStatus,
    IcpTier,
    LifecycleStage,
    OutboxMessage,
    ScoreSegment,
    SequenceStatus,
    SequenceStep,
    Workspace,
)
from pauhu_crm_core.errors import Conflict, NotFound, ValidationFailed
from pauhu_crm_core.ports import (
    DeliveryRepository,
    EnrollmentRepository,
    OutboxRepository,
    SequenceRepository,
    Store,
    UnitOfWork,
)

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
TODAY = date(2026, 3, 7)
_serial = itertools.count()


def new_id(prefix: str) -> str:
    # Time-ordered like the UUIDv7 ids the core makes, so "by id" is "by creation".
    return f"{prefix}-{next(_serial):06d}-{uuid.uuid4().hex[:8]}"


def sequence(id: str | None = None, **fields: Any) -> EmailSequence:
    values: dict[str, Any] = {
        "name": "Hot: sovereign deployment",
        "steps": (
            SequenceStep(subject="Hei {{ first_name }}", body="Päivää!", delay_days=0),
            SequenceStep(subject="Pilot", body="{{ unsubscribe_url }}", delay_days=2),
        ),
        "created_at": T0,
        "updated_at": T0,
    }
    return EmailSequence(id=id or new_id("seq"), **(values | fields))


def enrollment(sequence_id: str, contact_id: str, **fields: Any) -> Enrollment:
    values: dict[str, Any] = {
        "enrolled_at": T0,
        "enrolled_on": TODAY,
        "next_due_on": TODAY,
        "updated_at": T0,
    }
    return Enrollment(
        id=new_id("enr"), sequence_id=sequence_id, contact_id=contact_id, **(values | fields)
    )


def contact(**fields: Any) -> Contact:
    return Contact(id=new_id("cont"), created_at=T0, updated_at=T0, **fields)


async def open_workspace(store: SqlStore, workspace_id: str) -> None:
    async with store.unit_of_work(workspace_id) as uow:
        await uow.workspace.ensure(
            Workspace(id=workspace_id, name="Test", created_at=T0, updated_at=T0)
        )
        await uow.commit()


async def add_all(store: SqlStore, workspace_id: str, *records: Any) -> None:
    async with store.unit_of_work(workspace_id) as uow:
        for record in records:
            repository: Any = {
                Company: uow.companies,
                Contact: uow.contacts,
                EmailSequence: uow.sequences,
                Enrollment: uow.enrollments,
                OutboxMessage: uow.outbox,
            }[type(record)]
            await repository.add(record)
        await uow.commit()


async def stored_enrollment(store: SqlStore, workspace_id: str, id: str) -> Enrollment:
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        stored = await uow.enrollments.get(id)
    assert stored is not None
    return stored


# -- conformance --------------------------------------------------------------------------------


async def test_the_store_and_the_sequence_repositories_satisfy_the_ports(
    store: SqlStore, workspace_id: str
) -> None:
    assert isinstance(store, Store)
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert isinstance(uow, UnitOfWork)
        assert isinstance(uow.sequences, SequenceRepository)
        assert isinstance(uow.enrollments, EnrollmentRepository)
        assert isinstance(uow.deliveries, DeliveryRepository)
        assert isinstance(uow.outbox, OutboxRepository)


# -- sequences ----------------------------------------------------------------------------------


async def test_a_sequence_round_trips_with_its_steps_and_replace_writes_every_field(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    original = sequence(description="Demo, pilotti ✓", segment=ScoreSegment.HOT)
    minimal = sequence(steps=())
    await add_all(store, workspace_id, original, minimal)
    changed = attrs.evolve(
        original,
        name="Renamed",
        description=None,
        segment=None,
        status=SequenceStatus.PAUSED,
        steps=(SequenceStep(subject="Only", body="One", delay_days=7),),
        updated_at=T0 + timedelta(days=1),
    )
    async with store.unit_of_work(workspace_id) as uow:
        assert await uow.sequences.get(original.id) == original
        assert await uow.sequences.get(minimal.id) == minimal
        assert await uow.sequences.get("missing") is None
        await uow.sequences.replace(changed)
        with pytest.raises(NotFound):
            await uow.sequences.replace(sequence("missing"))
        await uow.commit()
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert await uow.sequences.get(original.id) == changed


async def test_a_used_sequence_id_is_a_conflict_on_id(store: SqlStore, workspace_id: str) -> None:
    await open_workspace(store, workspace_id)
    await add_all(store, workspace_id, sequence("seq-hot-sovereign"))
    with pytest.raises(Conflict) as caught:
        await add_all(store, workspace_id, sequence("seq-hot-sovereign"))
    assert caught.value.field == "id"


async def test_add_missing_inserts_only_the_sequences_whose_id_is_free(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    edited = sequence("seq-hot-sovereign", name="Edited by the user")
    await add_all(store, workspace_id, edited)
    defaults = [sequence("seq-hot-sovereign"), sequence("seq-warm-regulatory")]
    async with store.unit_of_work(workspace_id) as uow:
        await uow.sequences.add_missing(defaults)
        await uow.sequences.add_missing(defaults)
        await uow.sequences.add_missing([])
        await uow.commit()
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert await uow.sequences.get("seq-hot-sovereign") == edited
        assert await uow.sequences.get("seq-warm-regulatory") == defaults[1]
        assert (await uow.sequences.find(limit=10, offset=0)).total == 2


async def test_racing_add_missing_calls_insert_each_sequence_once(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    defaults = [sequence(f"seq-{n}") for n in range(3)]

    async def provision() -> None:
        async with store.unit_of_work(workspace_id) as uow:
            await uow.sequences.add_missing(defaults)
            await anyio.lowlevel.checkpoint()
            await uow.commit()

    async with anyio.create_task_group() as group:
        for _ in range(4):
            group.start_soon(provision)
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert (await uow.sequences.find(limit=10, offset=0)).items == tuple(defaults)


async def test_sequences_list_oldest_first_and_ties_by_id(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    later = sequence("seq-a", created_at=T0 + timedelta(seconds=1))
    tied_b, tied_c = sequence("seq-c"), sequence("seq-b")
    await add_all(store, workspace_id, later, tied_b, tied_c)
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        page = await uow.sequences.find(limit=2, offset=0)
        rest = await uow.sequences.find(limit=2, offset=2)
    assert [s.id for s in page.items] == ["seq-b", "seq-c"]
    assert [s.id for s in rest.items] == ["seq-a"]
    assert (page.total, page.limit, page.offset) == (3, 2, 0)


async def test_enrollment_counts_count_each_status_and_give_zeros_for_the_rest(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    busy, idle = sequence(), sequence()
    people = [contact() for _ in range(4)]
    await add_all(store, workspace_id, busy, idle, *people)
    statuses = [EnrollmentStatus.ACTIVE] * 2 + [
        EnrollmentStatus.COMPLETED,
        EnrollmentStatus.STOPPED,
    ]
    await add_all(
        store,
        workspace_id,
        *(enrollment(busy.id, p.id, status=s) for p, s in zip(people, statuses, strict=True)),
    )
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        counts = await uow.sequences.enrollment_counts([busy.id, idle.id, "unknown"])
        assert await uow.sequences.enrollment_counts([]) == {}
    assert counts == {
        busy.id: EnrollmentCounts(active=2, completed=1, stopped=1),
        idle.id: EnrollmentCounts(),
        "unknown": EnrollmentCounts(),
    }


# -- enrolments ---------------------------------------------------------------------------------


async def test_an_enrollment_round_trips_and_replace_many_writes_every_field(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    first, second = sequence(), sequence()
    a, b = contact(), contact()
    await add_all(store, workspace_id, first, second, a, b)
    one = enrollment(first.id, a.id, next_step=1, next_due_on=date(2026, 3, 9))
    two = enrollment(first.id, b.id)
    await add_all(store, workspace_id, one, two)
    assert await stored_enrollment(store, workspace_id, one.id) == one
    ended = T0 + timedelta(days=3)
    changed = [
        attrs.evolve(
            one,
            sequence_id=second.id,
            status=EnrollmentStatus.COMPLETED,
            enrolled_at=T0 - timedelta(days=1),
            enrolled_on=date(2026, 3, 6),
            next_step=2,
            next_due_on=None,
            ended_at=ended,
            updated_at=ended,
        ),
        attrs.evolve(
            two, status=EnrollmentStatus.STOPPED, stopped_reason="unsubscribed", ended_at=ended
        ),
    ]
    async with store.unit_of_work(workspace_id) as uow:
        await uow.enrollments.replace_many(changed)
        await uow.enrollments.replace_many([])
        await uow.commit()
    assert await stored_enrollment(store, workspace_id, one.id) == changed[0]
    assert await stored_enrollment(store, workspace_id, two.id) == changed[1]


async def test_a_contact_can_be_actively_enrolled_in_only_one_sequence_at_a_time(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    first, second = sequence(), sequence()
    person = contact()
    await add_all(store, workspace_id, first, second, person)
    done = enrollment(first.id, person.id, status=EnrollmentStatus.COMPLETED, next_due_on=None)
    active = enrollment(first.id, person.id)
    await add_all(store, workspace_id, done, active)  # an ended one does not count
    with pytest.raises(Conflict) as caught:
        await add_all(store, workspace_id, enrollment(second.id, person.id))
    assert caught.value.field == "contact_id"
    assert caught.value.message == (
        f"contact {person.id!r} is already actively enrolled in a sequence"
    )
    async with store.unit_of_work(workspace_id) as uow:
        assert await uow.enrollments.stop_active("manual", T0, contact_id=person.id) == 1
        await uow.commit()
    again = enrollment(second.id, person.id)
    await add_all(store, workspace_id, again)
    assert (
        await stored_enrollment(store, workspace_id, again.id)
    ).status is EnrollmentStatus.ACTIVE


async def test_racing_enrolments_of_one_contact_let_exactly_one_win(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    chosen = sequence()
    person = contact()
    await add_all(store, workspace_id, chosen, person)
    outcomes: list[str] = []

    async def enroll() -> None:
        try:
            async with store.unit_of_work(workspace_id) as uow:
                await uow.enrollments.add(enrollment(chosen.id, person.id))
                await anyio.lowlevel.checkpoint()
                await uow.commit()
        except Conflict as conflict:
            outcomes.append(f"conflict on {conflict.field}")
        else:
            outcomes.append("enrolled")

    async with anyio.create_task_group() as group:
        for _ in range(6):
            group.start_soon(enroll)
    assert sorted(outcomes) == ["conflict on contact_id"] * 5 + ["enrolled"]


async def test_replace_many_making_a_second_enrollment_active_is_a_conflict(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    chosen = sequence()
    person = contact()
    await add_all(store, workspace_id, chosen, person)
    stopped = enrollment(chosen.id, person.id, status=EnrollmentStatus.STOPPED, next_due_on=None)
    await add_all(store, workspace_id, stopped, enrollment(chosen.id, person.id))
    async with store.unit_of_work(workspace_id) as uow:
        with pytest.raises(Conflict) as caught:
            await uow.enrollments.replace_many(
                [attrs.evolve(stopped, status=EnrollmentStatus.ACTIVE)]
            )
    assert caught.value.field == "contact_id"


async def test_an_enrollment_must_name_a_sequence_and_a_contact_of_its_workspace(
    store: SqlStore, workspace_id: str
) -> None:
    other = f"{workspace_id}-b"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other)
    chosen, person = sequence(), contact()
    await add_all(store, workspace_id, chosen, person)
    theirs_seq, theirs_person = sequence(), contact()
    await add_all(store, other, theirs_seq, theirs_person)
    for bad in (enrollment(theirs_seq.id, person.id), enrollment(chosen.id, theirs_person.id)):
        with pytest.raises(ValidationFailed):
            await add_all(store, workspace_id, bad)


async def test_stop_active_stops_only_active_enrollments_of_the_contact_and_or_sequence(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    first, second = sequence(), sequence()
    a, b, c = contact(), contact(), contact()
    await add_all(store, workspace_id, first, second, a, b, c)
    a_first = enrollment(first.id, a.id)
    a_done = enrollment(second.id, a.id, status=EnrollmentStatus.COMPLETED, next_due_on=None)
    b_first = enrollment(first.id, b.id)
    c_second = enrollment(second.id, c.id)
    await add_all(store, workspace_id, a_first, a_done, b_first, c_second)
    at = T0 + timedelta(hours=5)
    async with store.unit_of_work(workspace_id) as uow:
        assert await uow.enrollments.stop_active("replied", at, contact_id=a.id) == 1
        assert (
            await uow.enrollments.stop_active("x", at, contact_id=c.id, sequence_id=first.id) == 0
        )
        assert await uow.enrollments.stop_active("paused", at, sequence_id=first.id) == 1
        with pytest.raises(ValueError, match="contact_id or a sequence_id"):
            await uow.enrollments.stop_active("everything", at)
        await uow.commit()
    expected_stop: dict[str, Any] = {
        "status": EnrollmentStatus.STOPPED,
        "ended_at": at,
        "updated_at": at,
    }
    assert await stored_enrollment(store, workspace_id, a_first.id) == attrs.evolve(
        a_first, stopped_reason="replied", next_due_on=None, **expected_stop
    )
    assert await stored_enrollment(store, workspace_id, b_first.id) == attrs.evolve(
        b_first, stopped_reason="paused", next_due_on=None, **expected_stop
    )
    assert await stored_enrollment(store, workspace_id, a_done.id) == a_done
    assert await stored_enrollment(store, workspace_id, c_second.id) == c_second


async def test_delete_for_contact_removes_only_that_contacts_enrollments(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    chosen = sequence()
    gone, kept = contact(), contact()
    await add_all(store, workspace_id, chosen, gone, kept)
    erased = [
        enrollment(chosen.id, gone.id, status=EnrollmentStatus.STOPPED, next_due_on=None),
        enrollment(chosen.id, gone.id),
    ]
    staying = enrollment(chosen.id, kept.id)
    await add_all(store, workspace_id, *erased, staying)
    async with store.unit_of_work(workspace_id) as uow:
        await uow.enrollments.delete_for_contact(gone.id)
        assert await uow.contacts.delete(gone.id)  # nothing references the contact now
        await uow.commit()
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert [await uow.enrollments.get(e.id) for e in erased] == [None, None]
        assert await uow.enrollments.get(staying.id) == staying


async def test_find_filters_enrollments_and_lists_the_newest_first(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    first, second = sequence(), sequence()
    people = [contact() for _ in range(3)]
    await add_all(store, workspace_id, first, second, *people)
    old = enrollment(first.id, people[0].id, status=EnrollmentStatus.STOPPED, next_due_on=None)
    mid = enrollment(first.id, people[1].id, enrolled_at=T0 + timedelta(hours=1))
    new = enrollment(second.id, people[0].id, enrolled_at=T0 + timedelta(hours=2))
    await add_all(store, workspace_id, old, mid, new)
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        everything = await uow.enrollments.find(limit=10, offset=0)
        in_first = await uow.enrollments.find(sequence_id=first.id, limit=1, offset=0)
        of_person = await uow.enrollments.find(contact_id=people[0].id, limit=10, offset=0)
        active = await uow.enrollments.find(
            sequence_id=first.id, status=EnrollmentStatus.ACTIVE, limit=10, offset=0
        )
    assert everything.items == (new, mid, old)
    assert (in_first.items, in_first.total) == ((mid,), 2)
    assert of_person.items == (new, old)
    assert active.items == (mid,)


# -- the engine's due query ---------------------------------------------------------------------


async def test_due_returns_each_enrollment_with_its_sequence_contact_and_company(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    # Same-named columns everywhere: id, name, description, status, created_at, updated_at.
    company = Company(
        id=new_id("comp"),
        name="Digi- ja väestötietovirasto",
        domain="dvv.fi",
        description="Väestötiedot",
        icp_tier=IcpTier.TIER_1,
        is_target_account=True,
        tags=("public",),
        custom_fields={"employees": 1000},
        created_at=T0 - timedelta(days=9),
        updated_at=T0 - timedelta(days=8),
    )
    chosen = sequence(description="Three steps", segment=ScoreSegment.HOT)
    employed = contact(
        email="sanna@dvv.fi",
        first_name="Sanna",
        last_name="Äijälä",
        title="CIO",
        company_id=company.id,
        lifecycle_stage=LifecycleStage.MQL,
        lead_score=73,
        tags=("vip",),
        score_segment=ScoreSegment.HOT,
        score_breakdown={"total": 73},
    )
    freelancer = contact(email="free@example.eu")
    await add_all(store, workspace_id, company, chosen, employed, freelancer)
    with_company = enrollment(chosen.id, employed.id, next_step=1)
    without = enrollment(chosen.id, freelancer.id)
    await add_all(store, workspace_id, with_company, without)
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        due = await uow.enrollments.due(TODAY, after_id=None, limit=10)
    assert [(d.enrollment, d.sequence, d.contact, d.company) for d in due] == [
        (with_company, chosen, employed, company),
        (without, chosen, freelancer, None),
    ]


async def test_due_leaves_out_what_is_not_due_or_not_sendable(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    active, paused = sequence(), sequence(status=SequenceStatus.PAUSED)
    people = [contact() for _ in range(7)]
    await add_all(store, workspace_id, active, paused, *people)
    overdue = enrollment(active.id, people[0].id, next_due_on=TODAY - timedelta(days=3))
    today = enrollment(active.id, people[1].id)
    not_yet = enrollment(active.id, people[2].id, next_due_on=TODAY + timedelta(days=1))
    in_paused = enrollment(paused.id, people[3].id)
    completed = enrollment(active.id, people[4].id, status=EnrollmentStatus.COMPLETED)
    stopped = enrollment(active.id, people[5].id, status=EnrollmentStatus.STOPPED)
    undated = enrollment(active.id, people[6].id, next_due_on=None)
    await add_all(
        store, workspace_id, overdue, today, not_yet, in_paused, completed, stopped, undated
    )
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        due = await uow.enrollments.due(TODAY, after_id=None, limit=50)
    assert [d.enrollment.id for d in due] == [overdue.id, today.id]


async def test_due_pages_by_id_after_the_last_one_seen(store: SqlStore, workspace_id: str) -> None:
    await open_workspace(store, workspace_id)
    chosen = sequence()
    people = [contact() for _ in range(5)]
    await add_all(store, workspace_id, chosen, *people)
    # Added in an order unlike their ids, so the order must come from the query.
    enrolled = [enrollment(chosen.id, p.id) for p in people]
    await add_all(store, workspace_id, *reversed(enrolled))
    pages: list[list[str]] = []
    after_id: str | None = None
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        while batch := await uow.enrollments.due(TODAY, after_id=after_id, limit=2):
            pages.append([d.enrollment.id for d in batch])
            after_id = batch[-1].enrollment.id
    ids = [e.id for e in enrolled]
    assert pages == [ids[0:2], ids[2:4], ids[4:]]


async def test_due_never_returns_or_mixes_in_another_workspaces_records(
    store: SqlStore, workspace_id: str
) -> None:
    other = f"{workspace_id}-b"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other)

    def records(name: str) -> tuple[Company, EmailSequence, Contact, Enrollment]:
        # The same ids in both workspaces: a join that forgot the workspace would mix them.
        company = Company(id="comp-1", name=name, created_at=T0, updated_at=T0)
        chosen = sequence("seq-hot-sovereign", name=name)
        person = Contact(
            id="cont-1", first_name=name, company_id="comp-1", created_at=T0, updated_at=T0
        )
        enrolled = Enrollment(
            id="enr-1",
            sequence_id=chosen.id,
            contact_id=person.id,
            enrolled_at=T0,
            enrolled_on=TODAY,
            next_due_on=TODAY,
            updated_at=T0,
        )
        return company, chosen, person, enrolled

    ours, theirs = records("Ours"), records("Theirs")
    await add_all(store, workspace_id, *ours)
    await add_all(store, other, *theirs)
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        due = await uow.enrollments.due(TODAY, after_id=None, limit=10)
    assert [(d.company, d.sequence, d.contact, d.enrollment) for d in due] == [ours]


# -- the outbox ---------------------------------------------------------------------------------


async def test_outbox_messages_round_trip_and_list_newest_first(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)

    def message(at: datetime) -> OutboxMessage:
        return OutboxMessage(
            id=new_id("out"),
            message_id=f"<{uuid.uuid4()}@pauhu.eu>",
            to="sanna@dvv.fi",
            sender="Pauhu <hello@pauhu.eu>",
            subject="Hei Sanna",
            text="Päivää ✓",
            html="<p>Päivää ✓</p>",
            headers={"List-Unsubscribe": "<https://pauhu.eu/unsubscribe?token=t>"},
            created_at=at,
        )

    older, newer = message(T0), message(T0 + timedelta(minutes=1))
    await add_all(store, workspace_id, older, newer)
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        page = await uow.outbox.find(limit=10, offset=0)
        second = await uow.outbox.find(limit=1, offset=1)
    assert (page.items, page.total) == ((newer, older), 2)
    assert second.items == (older,)


# -- tenant isolation ---------------------------------------------------------------------------


async def test_another_workspace_can_neither_see_nor_change_sequence_records(
    store: SqlStore, workspace_id: str
) -> None:
    other = f"{workspace_id}-b"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other)
    chosen, person = sequence(), contact()
    enrolled = enrollment(chosen.id, person.id)
    kept = OutboxMessage(
        id="out-1",
        message_id="m",
        to="a@b.eu",
        sender="s",
        subject="x",
        text="t",
        html="h",
        created_at=T0,
    )
    await add_all(store, workspace_id, chosen, person, enrolled, kept)
    async with store.unit_of_work(other) as uow:
        assert await uow.sequences.get(chosen.id) is None
        assert (await uow.sequences.find(limit=10, offset=0)).total == 0
        assert await uow.sequences.enrollment_counts([chosen.id]) == {chosen.id: EnrollmentCounts()}
        with pytest.raises(NotFound):
            await uow.sequences.replace(attrs.evolve(chosen, name="Hijacked"))
        await uow.sequences.add_missing([attrs.evolve(chosen, name="Theirs")])
        assert await uow.enrollments.get(enrolled.id) is None
        assert (await uow.enrollments.find(limit=10, offset=0)).total == 0
        await uow.enrollments.replace_many([attrs.evolve(enrolled, next_step=5)])
        assert await uow.enrollments.stop_active("x", T0, contact_id=person.id) == 0
        assert await uow.enrollments.stop_active("x", T0, sequence_id=chosen.id) == 0
        await uow.enrollments.delete_for_contact(person.id)
        assert await uow.enrollments.due(TODAY, after_id=None, limit=10) == []
        assert (await uow.outbox.find(limit=10, offset=0)).total == 0
        assert await uow.outbox.get(kept.id) is None
        await uow.commit()
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert await uow.sequences.get(chosen.id) == chosen
        assert await uow.enrollments.get(enrolled.id) == enrolled
        assert (await uow.outbox.find(limit=10, offset=0)).items == (kept,)
        assert len(await uow.enrollments.due(TODAY, after_id=None, limit=10)) == 1


# -- the store's own records --------------------------------------------------------------------


async def test_an_app_secret_is_generated_once_and_shared_by_racing_callers(
    store: SqlStore,
) -> None:
    name = new_id("secret")
    answers: list[str] = []

    async def ask(value: str) -> None:
        answers.append(await store.app_secret(name, lambda: value))

    async with anyio.create_task_group() as group:
        group.start_soon(ask, "from-first")
        group.start_soon(ask, "from-second")
    assert answers[0] == answers[1]
    assert answers[0] in ("from-first", "from-second")
    assert await store.app_secret(name, lambda: "later") == answers[0]
    assert await store.app_secret(new_id("secret"), lambda: "another") == "another"


async def test_workspace_ids_lists_every_workspace_in_id_order(
    store: SqlStore, workspace_id: str
) -> None:
    mine = [f"{workspace_id}-{suffix}" for suffix in ("c", "a", "b")]
    for id in mine:
        await open_workspace(store, id)
    listed = await store.workspace_ids()
    assert listed == sorted(listed)
    assert [id for id in listed if id.startswith(workspace_id)] == sorted(mine)
