"""Contacts through the library facade, on every store backend."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import anyio
import pytest

from pauhu_crm_core import (
    CRM,
    Conflict,
    CrmWorkspace,
    LifecycleStage,
    NotFound,
    ScoreSegment,
    ValidationFailed,
)
from pauhu_crm_core.testing import FrozenClock

pytestmark = pytest.mark.anyio


def fields(error: ValidationFailed) -> list[str]:
    return [detail["field"] for detail in error.details]


async def test_create_applies_the_seed_defaults_and_normalises_email(ws: CrmWorkspace) -> None:
    contact = await ws.contacts.create(email="  Sanna.Virtanen@DVV.fi ", first_name="Sanna")

    assert contact.email == "sanna.virtanen@dvv.fi"
    assert contact.lifecycle_stage is LifecycleStage.SUBSCRIBER
    assert contact.lead_score == 0
    assert contact.tags == ()
    assert contact.custom_fields == {}
    assert contact.scored_at is None
    assert contact.score_segment is None
    assert contact.last_activity_at is None
    assert await ws.contacts.get(contact.id) == contact


async def test_generated_ids_are_time_ordered_uuids(ws: CrmWorkspace, clock: FrozenClock) -> None:
    first = await ws.contacts.create(email="a@example.eu")
    clock.advance(milliseconds=5)
    second = await ws.contacts.create(email="b@example.eu")

    assert uuid.UUID(first.id).version == 7
    assert first.id < second.id


async def test_duplicate_email_in_any_case_is_a_conflict(ws: CrmWorkspace) -> None:
    await ws.contacts.create(email="sanna@dvv.fi")

    with pytest.raises(Conflict) as caught:
        await ws.contacts.create(email="SANNA@dvv.fi")
    assert caught.value.field == "email"


async def test_the_same_email_may_exist_in_two_workspaces(crm: CRM, ws: CrmWorkspace) -> None:
    other = crm.workspace(ws.id + "-b")
    await ws.contacts.create(email="sanna@dvv.fi")

    assert (await other.contacts.create(email="sanna@dvv.fi")).email == "sanna@dvv.fi"


async def test_racing_creates_with_one_email_let_exactly_one_win(ws: CrmWorkspace) -> None:
    outcomes: list[str] = []

    async def create() -> None:
        try:
            await ws.contacts.create(email="race@example.eu")
            outcomes.append("created")
        except Conflict:
            outcomes.append("conflict")

    async with anyio.create_task_group() as group:
        for _ in range(8):
            group.start_soon(create)

    assert sorted(outcomes) == ["conflict"] * 7 + ["created"]
    assert (await ws.contacts.list(q="race@example.eu")).total == 1


async def test_a_client_supplied_id_is_kept_and_may_not_be_reused(ws: CrmWorkspace) -> None:
    contact = await ws.contacts.create(id="abc-123", email="a@example.eu")
    assert contact.id == "abc-123"

    with pytest.raises(Conflict) as caught:
        await ws.contacts.create(id="abc-123", email="b@example.eu")
    assert caught.value.field == "id"


async def test_company_id_must_name_a_company_of_the_same_workspace(
    crm: CRM, ws: CrmWorkspace
) -> None:
    foreign = await crm.workspace(ws.id + "-b").companies.create(name="Elsewhere")

    for company_id in ("no-such-company", foreign.id):
        with pytest.raises(ValidationFailed) as caught:
            await ws.contacts.create(email="a@example.eu", company_id=company_id)
        assert fields(caught.value) == ["company_id"]


async def test_every_bad_field_is_reported_at_once(ws: CrmWorkspace) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await ws.contacts.create(
            email="not-an-address",
            lifecycle_stage="prospect",
            lead_score=101,
            tags=["ok", "x" * 65],
            created_at="2026-01-01T00:00:00Z",
            favourite_colour="blue",
        )
    assert sorted(fields(caught.value)) == [
        "created_at",
        "email",
        "favourite_colour",
        "lead_score",
        "lifecycle_stage",
        "tags.1",
    ]


async def test_a_hand_set_score_records_when_who_and_the_segment(
    ws: CrmWorkspace, clock: FrozenClock
) -> None:
    contact = await ws.contacts.create(email="a@example.eu")
    clock.advance(hours=1)

    scored = await ws.contacts.update(contact.id, lifecycle_stage="sql", lead_score=85)

    assert scored.lead_score == 85
    assert scored.score_segment is ScoreSegment.HOT
    assert scored.scored_at == clock.now()
    assert scored.score_breakdown == {"scorer": "manual", "criteria": []}
    assert (await ws.contacts.create(email="b@example.eu", lead_score=45)).score_segment == (
        ScoreSegment.WARM
    )


async def test_update_changes_only_the_given_fields(ws: CrmWorkspace, clock: FrozenClock) -> None:
    contact = await ws.contacts.create(
        email="a@example.eu", first_name="Sanna", title="CDO", tags=["gov-fi"]
    )
    clock.advance(minutes=3)

    updated = await ws.contacts.update(contact.id, {"lifecycle_stage": "sql", "title": None})

    assert updated.lifecycle_stage is LifecycleStage.SQL
    assert updated.title is None
    assert (updated.first_name, updated.email, updated.tags) == (
        "Sanna",
        "a@example.eu",
        ("gov-fi",),
    )
    assert updated.created_at == contact.created_at
    assert updated.updated_at == clock.now()
    assert await ws.contacts.get(contact.id) == updated


@pytest.mark.parametrize("field", ["id", "created_at", "scored_at", "unsubscribed_at"])
async def test_update_refuses_read_only_fields(ws: CrmWorkspace, field: str) -> None:
    contact = await ws.contacts.create(email="a@example.eu")

    with pytest.raises(ValidationFailed) as caught:
        await ws.contacts.update(contact.id, {field: "x"})
    assert caught.value.details == [{"field": field, "message": "is read-only"}]


async def test_changing_email_to_a_used_one_is_a_conflict(ws: CrmWorkspace) -> None:
    await ws.contacts.create(email="a@example.eu")
    other = await ws.contacts.create(email="b@example.eu")

    with pytest.raises(Conflict):
        await ws.contacts.update(other.id, email="A@example.eu")
    assert (await ws.contacts.get(other.id)).email == "b@example.eu"


async def test_list_is_newest_first_with_a_total_of_all_matches(
    ws: CrmWorkspace, clock: FrozenClock
) -> None:
    created = []
    for n in range(5):
        created.append(await ws.contacts.create(email=f"p{n}@example.eu", lifecycle_stage="lead"))
        clock.advance(seconds=1)

    page = await ws.contacts.list(stage="lead", limit=2, offset=1)

    assert [c.id for c in page.items] == [created[3].id, created[2].id]
    assert (page.total, page.limit, page.offset) == (5, 2, 1)


async def test_list_clamps_large_limits_and_refuses_bad_windows(ws: CrmWorkspace) -> None:
    assert (await ws.contacts.list(limit=1000)).limit == 100
    assert (await ws.contacts.list({"limit": "20", "offset": "0"})).limit == 20

    with pytest.raises(ValidationFailed) as caught:
        await ws.contacts.list(limit=0, offset=-1)
    assert fields(caught.value) == ["limit", "offset"]
    with pytest.raises(ValidationFailed) as caught:
        await ws.contacts.list(stage="prospect", colour="red")
    assert sorted(fields(caught.value)) == ["colour", "stage"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        pytest.param("linda", ["linda"], id="first-name"),
        pytest.param("ÄIJÄ", ["aijala"], id="non-ascii-upper-case"),
        pytest.param("äijä", ["aijala"], id="non-ascii"),
        pytest.param("OLA", ["nikola"], id="substring"),
        pytest.param("linda lind", ["linda"], id="first-and-last"),
        pytest.param("@dvv.fi", ["linda", "aijala"], id="email-domain"),
        pytest.param("%", ["percent"], id="percent-is-literal"),
        pytest.param("_", ["underscore"], id="underscore-is-literal"),
        pytest.param("zzz", [], id="no-match"),
    ],
)
async def test_search_is_caseless_unicode_aware_and_literal(
    ws: CrmWorkspace, clock: FrozenClock, q: str, expected: list[str]
) -> None:
    people = {
        "linda": {"email": "linda@dvv.fi", "first_name": "Linda", "last_name": "Lindqvist"},
        "aijala": {"email": "tuula@dvv.fi", "first_name": "Tuula", "last_name": "Äijälä"},
        "nikola": {"email": "nt@example.eu", "first_name": "Nikola", "last_name": "Tesla"},
        "percent": {"email": "p@example.eu", "first_name": "100%"},
        "underscore": {"email": "first_last@example.eu"},
    }
    ids = {}
    for key, data in people.items():
        ids[(await ws.contacts.create(**data)).id] = key
        clock.advance(seconds=1)

    page = await ws.contacts.list(q=q)

    assert sorted(ids[c.id] for c in page.items) == sorted(expected)
    assert page.total == len(expected)


async def test_filters_combine(ws: CrmWorkspace) -> None:
    company = await ws.companies.create(name="DVV", domain="dvv.fi")
    match = await ws.contacts.create(
        email="a@dvv.fi", company_id=company.id, owner_id="linda", lead_score=80
    )
    await ws.contacts.create(
        email="b@dvv.fi", company_id=company.id, owner_id="mikko", lead_score=80
    )
    await ws.contacts.create(email="c@dvv.fi", owner_id="linda", lead_score=80)
    await ws.contacts.create(email="d@dvv.fi", company_id=company.id, owner_id="linda")

    page = await ws.contacts.list(company_id=company.id, owner_id="linda", segment="hot", q="dvv")

    assert [c.id for c in page.items] == [match.id]


async def test_detail_carries_company_activities_newest_first_and_deals(ws: CrmWorkspace) -> None:
    company = await ws.companies.create(id="comp-dvv", name="DVV", domain="dvv.fi")
    contact = await ws.contacts.create(email="a@dvv.fi", company_id=company.id)
    older = await ws.activities.create(contact_id=contact.id, occurred_at="2026-01-01T09:00:00Z")
    newer = await ws.activities.create(contact_id=contact.id, occurred_at="2026-02-01T09:00:00Z")
    deal = await ws.deals.create(name="Pilot", contact_id=contact.id)
    await ws.deals.create(name="Someone else's")

    detail = await ws.contacts.get_detail(contact.id)

    assert detail.contact.id == contact.id
    assert detail.company == company
    assert [a.id for a in detail.activities] == [newer.id, older.id]
    assert [d.id for d in detail.deals] == [deal.id]


async def test_delete_unlinks_deals_activities_and_tasks(ws: CrmWorkspace) -> None:
    contact = await ws.contacts.create(email="a@example.eu")
    deal = await ws.deals.create(contact_id=contact.id)
    activity = await ws.activities.create(contact_id=contact.id)
    task = await ws.tasks.create(title="Call back", contact_id=contact.id)

    await ws.contacts.delete(contact.id)

    with pytest.raises(NotFound):
        await ws.contacts.get(contact.id)
    with pytest.raises(NotFound):
        await ws.contacts.delete(contact.id)
    assert (await ws.deals.get(deal.id)).contact_id is None
    assert (await ws.activities.get(activity.id)).contact_id is None
    assert (await ws.tasks.get(task.id)).contact_id is None


async def test_another_workspace_cannot_see_or_touch_a_contact(crm: CRM, ws: CrmWorkspace) -> None:
    contact = await ws.contacts.create(email="a@example.eu", first_name="Sanna")
    other = crm.workspace(ws.id + "-b")

    for attempt in (
        other.contacts.get(contact.id),
        other.contacts.get_detail(contact.id),
        other.contacts.update(contact.id, first_name="Mallory"),
        other.contacts.delete(contact.id),
    ):
        with pytest.raises(NotFound):
            await attempt
    assert (await other.contacts.list(q="sanna")).total == 0
    assert (await ws.contacts.get(contact.id)).first_name == "Sanna"


async def test_a_malformed_id_is_simply_not_found(ws: CrmWorkspace) -> None:
    with pytest.raises(NotFound):
        await ws.contacts.get("../../etc/passwd")


async def test_a_malformed_workspace_id_is_refused(crm: CRM) -> None:
    with pytest.raises(ValidationFailed) as caught:
        crm.workspace("WS Pauhu")
    assert fields(caught.value) == ["workspace_id"]


async def test_timestamps_are_utc(ws: CrmWorkspace) -> None:
    contact = await ws.contacts.create(email="a@example.eu")
    stored = await ws.contacts.get(contact.id)

    assert stored.created_at == datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    assert stored.created_at.utcoffset() is not None
