"""GDPR rights and the audit log through the library (API.md §0 and issue 8)."""

from __future__ import annotations

import pytest

from pauhu_crm_core import CRM, Actor, CrmWorkspace, NotFound
from pauhu_crm_core.ports import Store
from pauhu_crm_core.testing import FixedScorer, FrozenClock, RecordingMailer

pytestmark = pytest.mark.anyio


@pytest.fixture
def mailer() -> RecordingMailer:
    return RecordingMailer()


@pytest.fixture
def crm(store: Store, clock: FrozenClock, mailer: RecordingMailer) -> CRM:
    return CRM(store=store, clock=clock, mailer=mailer, scorer=FixedScorer())


async def a_person_with_history(ws: CrmWorkspace) -> str:
    company = await ws.companies.create(name="DVV", domain="dvv.fi")
    contact = await ws.contacts.create(
        email="sanna@dvv.fi", first_name="Sanna", company_id=company.id
    )
    await ws.activities.create(contact_id=contact.id, type="call", body="Talked about pilots")
    await ws.tasks.create(title="Send proposal", contact_id=contact.id)
    await ws.deals.create(name="Pilot", contact_id=contact.id, amount=1000)
    await ws.score()  # scores, enrols and so
    await ws.sequences.run()  # e-mails her
    return contact.id


async def test_the_export_holds_everything_about_the_person(ws: CrmWorkspace) -> None:
    contact_id = await a_person_with_history(ws)
    await ws.contacts.create(email="someone.else@dvv.fi")

    export = await ws.contacts.export(contact_id)

    assert export.contact.email == "sanna@dvv.fi"
    assert export.company is not None
    assert {a.type.value for a in export.activities} == {"call", "email"}
    assert [t.title for t in export.tasks] == ["Send proposal"]
    assert [d.name for d in export.deals] == ["Pilot"]
    assert len(export.enrollments) == 1
    assert len(export.deliveries) == 1
    assert len(export.score_history) == 1
    with pytest.raises(NotFound):
        await ws.contacts.export("nobody")


async def test_erasure_removes_the_person_and_everything_linked(
    ws: CrmWorkspace, store: Store
) -> None:
    contact_id = await a_person_with_history(ws)

    erasure = await ws.contacts.erase(contact_id)

    assert (erasure.activities, erasure.tasks, erasure.enrollments, erasure.deliveries) == (
        2,
        1,
        1,
        1,
    )
    assert erasure.suppressed
    with pytest.raises(NotFound):
        await ws.contacts.get(contact_id)
    assert (await ws.activities.list(contact_id=contact_id)).total == 0
    assert (await ws.tasks.list(contact_id=contact_id)).total == 0
    assert [d.contact_id for d in (await ws.deals.list()).items] == [None]
    async with store.unit_of_work(ws.id, read_only=True) as uow:
        assert (await uow.scores.find(contact_id=contact_id, limit=10, offset=0)).total == 0
        assert (await uow.deliveries.find(contact_id=contact_id, limit=10, offset=0)).total == 0


async def test_an_erased_address_is_never_mailed_again(
    ws: CrmWorkspace, mailer: RecordingMailer
) -> None:
    contact_id = await a_person_with_history(ws)
    await ws.contacts.erase(contact_id)

    again = await ws.contacts.create(email="SANNA@dvv.fi", first_name="Sanna")
    await ws.contacts.delete(again.id)
    renamed = await ws.contacts.create(email="other@dvv.fi")
    renamed = await ws.contacts.update(renamed.id, email="sanna@dvv.fi ")

    assert again.unsubscribed_at is not None
    assert renamed.unsubscribed_at is not None
    mailer.sent.clear()
    await ws.score(rescore=True)
    assert (await ws.sequences.run()).sent == 0
    assert mailer.to("sanna@dvv.fi") == []


async def test_the_engine_refuses_a_suppressed_address_even_if_the_record_says_otherwise(
    ws: CrmWorkspace, store: Store, mailer: RecordingMailer, crm: CRM
) -> None:
    contact = await ws.contacts.create(email="late@example.eu")
    await ws.sequences.enroll("seq-cold-education", contact_id=contact.id)
    from pauhu_crm_core.services.context import email_hash

    key = await crm._runtime.suppression_key()
    async with store.unit_of_work(ws.id) as uow:
        await uow.suppressions.add(email_hash(key, "late@example.eu"), crm.clock.now())
        await uow.commit()

    assert (await ws.sequences.run()).sent == 0
    [enrollment] = (await ws.sequences.enrollments("seq-cold-education")).items
    assert enrollment.stopped_reason == "suppressed"


async def test_every_write_is_audited_with_field_names_only(
    crm: CRM, clock: FrozenClock, workspace_id: str
) -> None:
    ws = crm.workspace(workspace_id, actor=Actor("key-123", "req-9"))
    contact = await ws.contacts.create(email="a@example.eu", first_name="Secret Name")
    clock.advance(seconds=1)
    await ws.contacts.update(contact.id, title="CDO")
    clock.advance(seconds=1)
    await ws.contacts.delete(contact.id)

    log = await ws.audit_log(resource="contact")

    assert [(e.action, e.resource_id, e.fields) for e in log.items] == [
        ("delete", contact.id, ()),
        ("update", contact.id, ("title",)),
        ("create", contact.id, ("email", "first_name")),
    ]
    assert {(e.actor, e.request_id) for e in log.items} == {("key-123", "req-9")}
    text = repr(log.items)
    assert "Secret Name" not in text
    assert "a@example.eu" not in text


async def test_an_erasure_is_audited_without_personal_data(ws: CrmWorkspace) -> None:
    contact = await ws.contacts.create(id="sanna-virtanen", email="sanna@dvv.fi")

    await ws.contacts.erase(contact.id)

    [entry] = (await ws.audit_log(action="erase")).items
    assert (entry.resource, entry.resource_id, entry.fields) == ("contact", None, ())


async def test_the_audit_log_is_per_workspace(crm: CRM, ws: CrmWorkspace) -> None:
    await ws.companies.create(name="Mine")

    other = crm.workspace(ws.id + "-b")

    assert (await other.audit_log()).total == 0
    assert (await ws.audit_log(resource="company")).total == 1
