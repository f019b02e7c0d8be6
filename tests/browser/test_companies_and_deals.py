"""Companies (target filter, detail) and deals (the pipeline board, moving a deal)."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import Admin, Api


def test_the_target_filter_shows_only_target_accounts(admin: Admin, api: Api) -> None:
    api.post("/v1/crm/companies", {"name": "DVV", "domain": "dvv.fi", "is_target_account": True})
    api.post("/v1/crm/companies", {"name": "Helios Health", "domain": "helios.se"})
    page = admin.open("#/companies")
    rows = page.locator("main tbody tr")
    expect(rows).to_have_count(2)

    page.get_by_label("Show").select_option("true")

    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("DVV")
    expect(rows).to_contain_text("Target")


def test_the_company_detail_shows_its_contacts_and_deals(admin: Admin, api: Api) -> None:
    company = api.post(
        "/v1/crm/companies",
        {"name": "Lexa Legal", "website": "https://lexa.example", "icp_tier": "tier-2"},
    )
    api.post("/v1/crm/contacts", {"first_name": "Jonas", "company_id": company["id"]})
    api.post("/v1/crm/deals", {"name": "Case-law API", "company_id": company["id"]})
    page = admin.open("#/companies")

    page.get_by_role("link", name="Lexa Legal").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Lexa Legal")
    expect(page.get_by_role("link", name="https://lexa.example")).to_have_attribute(
        "rel", "noopener noreferrer"
    )
    expect(page.get_by_role("link", name="Jonas")).to_be_visible()
    expect(page.get_by_role("link", name="Case-law API")).to_be_visible()


def test_the_board_has_a_column_per_stage_with_the_pipeline_totals(admin: Admin, api: Api) -> None:
    api.post("/v1/crm/deals", {"name": "A", "stage": "lead", "amount": 1000, "probability": 10})
    api.post("/v1/crm/deals", {"name": "B", "stage": "lead", "amount": 500.5, "probability": 50})
    api.post("/v1/crm/deals", {"name": "C", "stage": "closed_won", "amount": 2000})

    page = admin.open("#/deals")

    assert page.locator(".column h2").all_text_contents() == [
        "Lead 2",
        "Qualified 0",
        "Proposal 0",
        "Negotiation 0",
        "Won 1",
        "Lost 0",
    ]
    lead = page.locator(".column-lead")
    expect(lead.locator(".total")).to_have_text("€1,500.50")
    expect(lead.locator(".weighted")).to_have_text("€350.25")
    expect(page.locator(".column-closed_won .total")).to_have_text("€2,000")
    expect(page.locator(".open-total")).to_have_text("€1,500.50")


def test_moving_a_deal_with_the_keyboard_updates_the_totals(admin: Admin, api: Api) -> None:
    deal = api.post(
        "/v1/crm/deals",
        {"name": "DVV container", "stage": "lead", "amount": 150000, "probability": 40},
    )
    api.post("/v1/crm/deals", {"name": "Pilot", "stage": "lead", "amount": 10000})
    page = admin.open("#/deals")
    expect(page.locator(".column-lead .total")).to_have_text("€160,000")
    expect(page.locator(".column-proposal .total")).to_have_text("€0")

    stage = page.get_by_label("Stage of DVV container")
    stage.focus()
    stage.select_option("proposal")
    page.keyboard.press("Tab")  # to the card's "Move" button
    page.keyboard.press("Enter")

    expect(page.locator(".column-proposal .deal-card")).to_contain_text("DVV container")
    expect(page.locator(".column-lead .total")).to_have_text("€10,000")
    expect(page.locator(".column-proposal .total")).to_have_text("€150,000")
    expect(page.locator(".column-proposal .weighted")).to_have_text("€60,000")
    expect(page.locator(".column-proposal .count")).to_have_text("1")
    expect(page.get_by_role("status")).to_contain_text("Moved “DVV container” to Proposal")
    assert api.get(f"/v1/crm/deals/{deal['id']}")["stage"] == "proposal"


def test_dragging_a_deal_to_another_column_moves_it(admin: Admin, api: Api) -> None:
    deal = api.post("/v1/crm/deals", {"name": "Drag me", "stage": "qualified", "amount": 700})
    page = admin.open("#/deals")

    page.locator(".deal-card", has_text="Drag me").drag_to(page.locator(".column-negotiation"))

    expect(page.locator(".column-negotiation .total")).to_have_text("€700")
    assert api.get(f"/v1/crm/deals/{deal['id']}")["stage"] == "negotiation"
