"""Deals and the pipeline through the library facade, on every store backend."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pauhu_crm_core import CRM, CrmWorkspace, DealStage, NotFound, ValidationFailed
from pauhu_crm_core.testing import FrozenClock

pytestmark = pytest.mark.anyio


async def test_create_applies_the_seed_defaults(ws: CrmWorkspace) -> None:
    deal = await ws.deals.create()

    assert (deal.name, deal.stage, deal.currency) == ("New Deal", DealStage.LEAD, "EUR")
    assert (deal.amount, deal.probability, deal.actual_close_date) == (None, None, None)


async def test_the_seed_deal_round_trips(ws: CrmWorkspace) -> None:
    await ws.companies.create(id="comp-dvv", name="DVV")
    await ws.contacts.create(id="abc-123", email="sanna@dvv.fi")

    deal = await ws.deals.create(
        name="DVV Sovereign Container - 3yr",
        company_id="comp-dvv",
        contact_id="abc-123",
        stage="qualified",
        amount=150000,
        currency="EUR",
        probability=40,
        expected_close_date="2026-09-01",
    )

    assert deal.amount_cents == 15_000_000
    assert deal.expected_close_date == date(2026, 9, 1)
    assert await ws.deals.get(deal.id) == deal


async def test_amounts_are_exact_to_the_cent(ws: CrmWorkspace) -> None:
    await ws.deals.create(stage="proposal", amount=0.1)
    await ws.deals.create(stage="proposal", amount=0.2)

    [proposal] = await ws.deals.pipeline()

    assert proposal.total_amount_cents == 30
    assert proposal.total_amount == Decimal("0.3")


async def test_amounts_finer_than_a_cent_or_negative_are_refused(ws: CrmWorkspace) -> None:
    for amount in (0.005, -1, "lots", True):
        with pytest.raises(ValidationFailed) as caught:
            await ws.deals.create(amount=amount)
        assert caught.value.details[0]["field"] == "amount"


async def test_pipeline_sums_every_deal_by_stage_in_stage_order(ws: CrmWorkspace) -> None:
    await ws.deals.create(stage="negotiation", amount=150000, probability=70)
    await ws.deals.create(stage="qualified", amount=200000, probability=40)
    await ws.deals.create(stage="qualified", amount=320000, probability=40)
    await ws.deals.create(stage="qualified", amount=1000)
    await ws.deals.create(stage="qualified")

    pipeline = await ws.deals.pipeline()

    assert [(s.stage, s.count) for s in pipeline] == [
        (DealStage.QUALIFIED, 4),
        (DealStage.NEGOTIATION, 1),
    ]
    qualified, negotiation = pipeline
    assert qualified.total_amount == Decimal(521000)
    assert qualified.weighted_amount == Decimal(208000)
    assert negotiation.weighted_amount == Decimal(105000)


async def test_weighted_amounts_round_to_the_cent(ws: CrmWorkspace) -> None:
    await ws.deals.create(amount=0.05, probability=50)  # 2.5 cents

    [lead] = await ws.deals.pipeline()

    assert lead.weighted_amount_cents == 3


async def test_pipeline_ignores_list_filters_and_other_workspaces(
    crm: CRM, ws: CrmWorkspace
) -> None:
    await ws.deals.create(stage="lead", amount=10)
    await crm.workspace(ws.id + "-b").deals.create(stage="lead", amount=99)

    [lead] = await ws.deals.pipeline()

    assert (lead.count, lead.total_amount) == (1, Decimal(10))


async def test_closing_records_today_in_the_workspace_time_zone(
    ws: CrmWorkspace, clock: FrozenClock
) -> None:
    deal = await ws.deals.create(stage="negotiation")
    clock.set(clock.now().replace(hour=22, minute=30))  # 00:30 next day in Helsinki

    won = await ws.deals.update(deal.id, stage="closed_won")

    assert won.actual_close_date == date(2026, 3, 8)
    await ws.update(timezone="America/New_York")
    lost = await ws.deals.create(stage="closed_lost", lost_reason="budget")
    assert lost.actual_close_date == date(2026, 3, 7)


async def test_a_given_close_date_wins_and_reopening_clears_it(ws: CrmWorkspace) -> None:
    deal = await ws.deals.create(stage="proposal")

    won = await ws.deals.update(deal.id, stage="closed_won", actual_close_date="2026-02-27")
    assert won.actual_close_date == date(2026, 2, 27)
    renamed = await ws.deals.update(deal.id, name="Renamed")
    assert renamed.actual_close_date == date(2026, 2, 27)

    reopened = await ws.deals.update(deal.id, stage="negotiation")
    assert reopened.actual_close_date is None


async def test_an_open_deal_cannot_have_a_close_date(ws: CrmWorkspace) -> None:
    deal = await ws.deals.create(stage="proposal")

    with pytest.raises(ValidationFailed) as caught:
        await ws.deals.update(deal.id, actual_close_date="2026-02-27")
    assert caught.value.details[0]["field"] == "actual_close_date"


async def test_references_must_exist_in_the_workspace(ws: CrmWorkspace) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await ws.deals.create(company_id="nope", contact_id="nope-either")
    assert [d["field"] for d in caught.value.details] == ["company_id", "contact_id"]


async def test_list_filters_by_stage_and_links(ws: CrmWorkspace, clock: FrozenClock) -> None:
    company = await ws.companies.create(name="DVV")
    first = await ws.deals.create(stage="proposal", company_id=company.id, owner_id="linda")
    clock.advance(seconds=1)
    second = await ws.deals.create(stage="proposal", company_id=company.id)
    await ws.deals.create(stage="lead", company_id=company.id)

    page = await ws.deals.list(stage="proposal", company_id=company.id)

    assert [d.id for d in page.items] == [second.id, first.id]
    assert [d.id for d in (await ws.deals.list(owner_id="linda")).items] == [first.id]
    with pytest.raises(ValidationFailed):
        await ws.deals.list(stage="won")


async def test_detail_and_delete(ws: CrmWorkspace) -> None:
    company = await ws.companies.create(name="DVV")
    contact = await ws.contacts.create(email="a@dvv.fi")
    deal = await ws.deals.create(company_id=company.id, contact_id=contact.id)
    activity = await ws.activities.create(deal_id=deal.id)
    task = await ws.tasks.create(title="Send offer", deal_id=deal.id)

    detail = await ws.deals.get_detail(deal.id)
    assert (detail.company, detail.contact) == (company, contact)
    assert [a.id for a in detail.activities] == [activity.id]

    await ws.deals.delete(deal.id)
    with pytest.raises(NotFound):
        await ws.deals.get(deal.id)
    assert (await ws.activities.get(activity.id)).deal_id is None
    assert (await ws.tasks.get(task.id)).deal_id is None
