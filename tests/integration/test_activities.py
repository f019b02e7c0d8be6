"""The activity timeline through the library facade, on every store backend."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pauhu_crm_core import CRM, ActivityType, CrmWorkspace, NotFound, ValidationFailed
from pauhu_crm_core.testing import FrozenClock

pytestmark = pytest.mark.anyio


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def test_the_seed_meeting_is_logged_and_touches_the_contact(ws: CrmWorkspace) -> None:
    await ws.companies.create(id="comp-dvv", name="DVV")
    contact = await ws.contacts.create(id="abc-123", email="sanna@dvv.fi")

    activity = await ws.activities.create(
        contact_id="abc-123",
        company_id="comp-dvv",
        type="meeting",
        subject="Sovereign container demo",
        body="Demonstrated 8-container deployment. DVV interested in air-gapped mode.",
        occurred_at="2026-03-07T10:00:00Z",
    )

    assert activity.type is ActivityType.MEETING
    assert activity.metadata == {}
    assert contact.last_activity_at is None
    assert (await ws.contacts.get("abc-123")).last_activity_at == at("2026-03-07T10:00:00Z")


async def test_occurred_at_defaults_to_now_and_offsets_become_utc(
    ws: CrmWorkspace, clock: FrozenClock
) -> None:
    now = await ws.activities.create()
    shifted = await ws.activities.create(occurred_at="2026-03-07T12:00:00+02:00")

    assert now.type is ActivityType.NOTE
    assert now.occurred_at == clock.now()
    assert shifted.occurred_at == at("2026-03-07T10:00:00Z")


async def test_a_backdated_activity_never_moves_last_activity_backwards(ws: CrmWorkspace) -> None:
    contact = await ws.contacts.create(email="a@example.eu")
    await ws.activities.create(contact_id=contact.id, occurred_at="2026-03-01T10:00:00Z")
    await ws.activities.create(contact_id=contact.id, occurred_at="2026-02-01T10:00:00Z")

    assert (await ws.contacts.get(contact.id)).last_activity_at == at("2026-03-01T10:00:00Z")


async def test_moving_an_activity_later_moves_last_activity_forward(ws: CrmWorkspace) -> None:
    contact = await ws.contacts.create(email="a@example.eu")
    activity = await ws.activities.create(contact_id=contact.id, occurred_at="2026-03-01T10:00:00Z")

    await ws.activities.update(activity.id, occurred_at="2026-03-05T10:00:00Z")

    assert (await ws.contacts.get(contact.id)).last_activity_at == at("2026-03-05T10:00:00Z")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("type", "sms", id="unknown-type"),
        pytest.param("occurred_at", "2026-03-07T10:00:00", id="no-time-zone"),
        pytest.param("occurred_at", "2026-02-30T10:00:00Z", id="impossible-date"),
        pytest.param("body", "x" * 100_001, id="body-too-long"),
        pytest.param("subject", "x" * 256, id="subject-too-long"),
        pytest.param("metadata", ["not", "an", "object"], id="metadata-not-an-object"),
        pytest.param("contact_id", "no-such-contact", id="unknown-contact"),
        pytest.param("deal_id", "no-such-deal", id="unknown-deal"),
    ],
)
async def test_bad_values_are_refused_with_the_field_named(
    ws: CrmWorkspace, field: str, value: object
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await ws.activities.create({field: value})
    assert [d["field"] for d in caught.value.details] == [field]


async def test_list_is_newest_occurrence_first_with_filters(ws: CrmWorkspace) -> None:
    contact = await ws.contacts.create(email="a@example.eu")
    early = await ws.activities.create(
        contact_id=contact.id, type="call", occurred_at="2026-01-01T10:00:00Z"
    )
    late = await ws.activities.create(
        contact_id=contact.id, type="email", occurred_at="2026-03-01T10:00:00Z"
    )
    await ws.activities.create(type="call")

    assert [a.id for a in (await ws.activities.list(contact_id=contact.id)).items] == [
        late.id,
        early.id,
    ]
    calls = await ws.activities.list(contact_id=contact.id, type="call")
    assert ([a.id for a in calls.items], calls.total) == ([early.id], 1)


async def test_update_and_delete(ws: CrmWorkspace) -> None:
    activity = await ws.activities.create(subject="Call", metadata={"direction": "outbound"})

    updated = await ws.activities.update(activity.id, subject=None, type="call")
    assert (updated.subject, updated.type, updated.metadata) == (
        None,
        ActivityType.CALL,
        {"direction": "outbound"},
    )
    with pytest.raises(ValidationFailed):
        await ws.activities.update(activity.id, occurred_at=None)

    await ws.activities.delete(activity.id)
    with pytest.raises(NotFound):
        await ws.activities.get(activity.id)


async def test_another_workspace_cannot_see_or_touch_an_activity(
    crm: CRM, ws: CrmWorkspace
) -> None:
    contact = await ws.contacts.create(email="a@example.eu")
    activity = await ws.activities.create(contact_id=contact.id)
    other = crm.workspace(ws.id + "-b")

    for attempt in (
        other.activities.get(activity.id),
        other.activities.update(activity.id, subject="x"),
        other.activities.delete(activity.id),
    ):
        with pytest.raises(NotFound):
            await attempt
    assert (await other.activities.list(contact_id=contact.id)).total == 0
    with pytest.raises(ValidationFailed):
        await other.activities.create(contact_id=contact.id)
