"""The contacts view: search as you type, filters, pages, the detail, and the form."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import Admin, Api


def test_the_table_lists_contacts_created_through_the_api(admin: Admin, api: Api) -> None:
    api.post(
        "/v1/crm/contacts",
        {"first_name": "Sanna", "last_name": "Virtanen", "email": "sanna@dvv.fi"},
    )
    api.post("/v1/crm/contacts", {"first_name": "Jonas", "last_name": "Becker", "title": "CTO"})

    page = admin.open("#/contacts")

    rows = page.locator("main tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Sanna Virtanen")).to_contain_text("sanna@dvv.fi")
    expect(rows.filter(has_text="Jonas Becker")).to_contain_text("CTO")


def test_search_narrows_the_table_as_you_type(admin: Admin, api: Api) -> None:
    api.post("/v1/crm/contacts", {"first_name": "Sanna", "last_name": "Äijälä"})
    api.post("/v1/crm/contacts", {"first_name": "Jonas", "last_name": "Becker"})
    page = admin.open("#/contacts")

    page.get_by_label("Search").press_sequentially("äijä", delay=20)

    expect(page.locator("main tbody tr")).to_have_count(1)
    expect(page.locator("main tbody")).to_contain_text("Sanna Äijälä")
    page.get_by_label("Search").fill("nobody-like-this")
    expect(page.get_by_text("No contacts match.")).to_be_visible()


def test_stage_and_segment_filters_narrow_the_table(admin: Admin, api: Api) -> None:
    api.post("/v1/crm/contacts", {"first_name": "Lead", "lifecycle_stage": "lead"})
    api.post("/v1/crm/contacts", {"first_name": "Customer", "lifecycle_stage": "customer"})
    api.post("/v1/crm/contacts", {"first_name": "Hot", "lifecycle_stage": "lead", "lead_score": 90})
    page = admin.open("#/contacts")
    rows = page.locator("main tbody tr")
    expect(rows).to_have_count(3)

    page.get_by_label("Stage").select_option("lead")
    expect(rows).to_have_count(2)
    page.get_by_label("Segment").select_option("hot")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Hot")

    page.get_by_label("Stage").select_option("")
    page.get_by_label("Segment").select_option("")
    expect(rows).to_have_count(3)


def test_pages_step_through_long_lists(admin: Admin, api: Api) -> None:
    for n in range(27):
        api.post("/v1/crm/contacts", {"first_name": f"Person {n:02d}"})
    page = admin.open("#/contacts")
    expect(page.get_by_text("1–25 of 27")).to_be_visible()

    page.get_by_role("button", name="Next").click()

    expect(page.get_by_text("26–27 of 27")).to_be_visible()
    expect(page.locator("main tbody tr")).to_have_count(2)
    expect(page.get_by_role("button", name="Next")).to_be_disabled()
    page.get_by_role("button", name="Previous").click()
    expect(page.locator("main tbody tr")).to_have_count(25)


def test_the_detail_shows_the_company_deals_and_timeline(admin: Admin, api: Api) -> None:
    company = api.post("/v1/crm/companies", {"name": "DVV", "domain": "dvv.fi", "country": "FI"})
    contact = api.post(
        "/v1/crm/contacts",
        {"first_name": "Sanna", "last_name": "Virtanen", "company_id": company["id"]},
    )
    api.post(
        "/v1/crm/deals",
        {"name": "Sovereign container", "contact_id": contact["id"], "amount": 150000},
    )
    api.post(
        "/v1/crm/activities",
        {"contact_id": contact["id"], "type": "meeting", "subject": "Container demo"},
    )

    page = admin.open("#/contacts")
    page.get_by_role("link", name="Sanna Virtanen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sanna Virtanen")
    expect(page.get_by_role("link", name="DVV")).to_be_visible()
    expect(page.locator("main")).to_contain_text("dvv.fi")
    expect(page.get_by_role("link", name="Sovereign container")).to_be_visible()
    expect(page.locator("main")).to_contain_text("€150,000")
    expect(page.locator(".timeline")).to_contain_text("Container demo")


def test_a_contact_is_created_through_the_form_after_a_validation_error_at_its_field(
    admin: Admin, api: Api
) -> None:
    api.post("/v1/crm/companies", {"name": "Lexa Legal"})
    admin.expect_console_error(r"status of 422")
    page = admin.open("#/contacts")
    page.get_by_role("link", name="New contact").click()

    page.get_by_label("First name").fill("Ieva")
    page.get_by_label("Last name").fill("Ozola")
    page.get_by_label("E-mail").fill("ieva@")
    page.get_by_label("Company").select_option(label="Lexa Legal")
    page.get_by_role("button", name="Create contact").click()

    email = page.get_by_label("E-mail")
    expect(page.locator("[data-field=email] .field-error")).to_contain_text("e-mail address")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_be_focused()
    expect(page.get_by_role("alert")).to_contain_text("Invalid input: email")

    email.fill("ieva.ozola@lexa.de")
    page.get_by_role("button", name="Create contact").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ieva Ozola")
    expect(page.get_by_role("link", name="Lexa Legal")).to_be_visible()
    [saved] = api.get("/v1/crm/contacts", q="ozola")["contacts"]
    assert saved["email"] == "ieva.ozola@lexa.de"
    assert saved["company_id"] is not None


def test_editing_a_contact_sends_only_what_changed(admin: Admin, api: Api) -> None:
    contact = api.post(
        "/v1/crm/contacts",
        {"first_name": "Mikko", "title": "Architect", "tags": ["gov-fi"], "lifecycle_stage": "mql"},
    )
    page = admin.open(f"#/contacts/{contact['id']}")
    page.get_by_role("link", name="Edit").click()

    expect(page.get_by_label("Title")).to_have_value("Architect")
    expect(page.get_by_label("Tags")).to_have_value("gov-fi")
    page.get_by_label("Title").fill("Head of Architecture")
    page.get_by_label("Lifecycle stage").select_option("sql")
    page.get_by_role("button", name="Save contact").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mikko")
    expect(page.locator("main")).to_contain_text("Head of Architecture")
    saved = api.get(f"/v1/crm/contacts/{contact['id']}")
    assert (saved["title"], saved["lifecycle_stage"]) == ("Head of Architecture", "sql")
    # The untouched score was not sent, so it was not turned into a hand-set score.
    assert saved["score_breakdown"] is None
    assert saved["tags"] == ["gov-fi"]


def test_a_failed_request_shows_the_apis_error_message(admin: Admin) -> None:
    admin.expect_console_error(r"status of 404")

    page = admin.open("#/contacts/no-such-contact")

    expect(page.get_by_role("alert")).to_contain_text("Contact 'no-such-contact' was not found")
