"""Companies through the library facade, on every store backend."""

from __future__ import annotations

import pytest

from pauhu_crm_core import CRM, Conflict, CrmWorkspace, IcpTier, NotFound, ValidationFailed
from pauhu_crm_core.testing import FrozenClock

pytestmark = pytest.mark.anyio


async def test_create_applies_the_seed_defaults(ws: CrmWorkspace) -> None:
    company = await ws.companies.create()

    assert company.name == "Unknown Company"
    assert company.is_target_account is False
    assert (company.domain, company.icp_tier, company.country) == (None, None, None)
    assert await ws.companies.get(company.id) == company


async def test_the_seed_company_round_trips(ws: CrmWorkspace) -> None:
    company = await ws.companies.create(
        id="comp-dvv",
        name="Digital and Population Data Services Agency",
        domain="dvv.fi",
        industry="government",
        size="1000+",
        country="fi",
        city="Helsinki",
        website="https://dvv.fi",
        icp_tier="tier-1",
        is_target_account=True,
        tags=["gov-fi", "digital-services"],
        custom_fields={"agency_code": 42, "nested": {"ok": [1, 2]}},
    )

    assert company.country == "FI"
    assert company.icp_tier is IcpTier.TIER_1
    assert await ws.companies.get("comp-dvv") == company


@pytest.mark.parametrize(
    "written",
    ["https://www.DVV.fi/path", "DVV.FI", "www.dvv.fi.", "http://dvv.fi:8080/?q=1"],
)
async def test_domains_are_normalised_and_unique(ws: CrmWorkspace, written: str) -> None:
    await ws.companies.create(name="DVV", domain="dvv.fi")

    with pytest.raises(Conflict) as caught:
        await ws.companies.create(name="Duplicate", domain=written)
    assert caught.value.field == "domain"


async def test_companies_without_a_domain_do_not_conflict(ws: CrmWorkspace) -> None:
    await ws.companies.create(name="A")
    await ws.companies.create(name="B", domain="")

    assert (await ws.companies.list()).total == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("country", "XX", id="unknown-country"),
        pytest.param("website", "ftp://dvv.fi", id="non-http-website"),
        pytest.param("linkedin_url", "linkedin.com/company/dvv", id="relative-url"),
        pytest.param("icp_tier", "tier-4", id="unknown-tier"),
        pytest.param("is_target_account", "true", id="string-boolean"),
        pytest.param("name", "   ", id="blank-name"),
        pytest.param("domain", "localhost", id="single-label-domain"),
        pytest.param("custom_fields", {"blob": "x" * 17_000}, id="custom-fields-over-16-kib"),
    ],
)
async def test_bad_values_are_refused_with_the_field_named(
    ws: CrmWorkspace, field: str, value: object
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await ws.companies.create({"name": "DVV", field: value})
    assert [d["field"] for d in caught.value.details] == [field]


async def test_target_filter_and_search_by_name_or_domain(
    ws: CrmWorkspace, clock: FrozenClock
) -> None:
    dvv = await ws.companies.create(name="DVV", domain="dvv.fi", is_target_account=True)
    clock.advance(seconds=1)
    eu = await ws.companies.create(name="Publications Office", domain="op.europa.eu")
    clock.advance(seconds=1)
    bakery = await ws.companies.create(name="Leipomo Äijälä", country="FI", industry="food")

    assert [c.id for c in (await ws.companies.list(target=True)).items] == [dvv.id]
    assert [c.id for c in (await ws.companies.list(target="false")).items] == [
        bakery.id,
        eu.id,
        dvv.id,
    ]
    assert [c.id for c in (await ws.companies.list(q="europa.eu")).items] == [eu.id]
    assert [c.id for c in (await ws.companies.list(q="ÄIJÄLÄ")).items] == [bakery.id]
    assert [c.id for c in (await ws.companies.list(country="fi", industry="food")).items] == [
        bakery.id
    ]


async def test_update_is_partial(ws: CrmWorkspace) -> None:
    company = await ws.companies.create(name="DVV", domain="dvv.fi", city="Helsinki")

    updated = await ws.companies.update(company.id, icp_tier="tier-1", is_target_account=True)

    assert updated.icp_tier is IcpTier.TIER_1
    assert updated.is_target_account is True
    assert (updated.name, updated.domain, updated.city) == ("DVV", "dvv.fi", "Helsinki")
    with pytest.raises(ValidationFailed):
        await ws.companies.update(company.id, name=None)


async def test_detail_carries_contacts_deals_and_activities(ws: CrmWorkspace) -> None:
    company = await ws.companies.create(name="DVV")
    contact = await ws.contacts.create(email="a@dvv.fi", company_id=company.id)
    deal = await ws.deals.create(company_id=company.id)
    activity = await ws.activities.create(company_id=company.id, type="call")
    await ws.contacts.create(email="b@elsewhere.eu")

    detail = await ws.companies.get_detail(company.id)

    assert [c.id for c in detail.contacts] == [contact.id]
    assert [d.id for d in detail.deals] == [deal.id]
    assert [a.id for a in detail.activities] == [activity.id]


async def test_delete_unlinks_everything_that_pointed_at_it(ws: CrmWorkspace) -> None:
    company = await ws.companies.create(name="DVV")
    contact = await ws.contacts.create(email="a@dvv.fi", company_id=company.id)
    deal = await ws.deals.create(company_id=company.id)
    activity = await ws.activities.create(company_id=company.id)
    task = await ws.tasks.create(title="Follow up", company_id=company.id)

    await ws.companies.delete(company.id)

    with pytest.raises(NotFound):
        await ws.companies.get(company.id)
    assert (await ws.contacts.get(contact.id)).company_id is None
    assert (await ws.deals.get(deal.id)).company_id is None
    assert (await ws.activities.get(activity.id)).company_id is None
    assert (await ws.tasks.get(task.id)).company_id is None


async def test_another_workspace_cannot_see_or_touch_a_company(crm: CRM, ws: CrmWorkspace) -> None:
    company = await ws.companies.create(name="DVV", domain="dvv.fi", is_target_account=True)
    other = crm.workspace(ws.id + "-b")

    for attempt in (
        other.companies.get(company.id),
        other.companies.get_detail(company.id),
        other.companies.update(company.id, name="Mallory"),
        other.companies.delete(company.id),
    ):
        with pytest.raises(NotFound):
            await attempt
    assert (await other.companies.list(target=True)).total == 0
    assert (await other.companies.create(name="Own DVV", domain="dvv.fi")).domain == "dvv.fi"
