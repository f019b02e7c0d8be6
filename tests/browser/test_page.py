"""The page as a whole: the workspace picker, every view, the keyboard, a narrow window."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from .conftest import Admin, Api

VIEWS = ["contacts", "companies", "deals", "activities", "tasks", "sequences", "scoring"]


@pytest.fixture
def some_of_everything(api: Api) -> dict[str, str]:
    company = api.post("/v1/crm/companies", {"name": "DVV", "domain": "dvv.fi"})
    contact = api.post(
        "/v1/crm/contacts",
        {"first_name": "Sanna", "email": "s@dvv.fi", "company_id": company["id"]},
    )
    deal = api.post(
        "/v1/crm/deals", {"name": "Container", "contact_id": contact["id"], "amount": 5}
    )
    api.post("/v1/crm/activities", {"contact_id": contact["id"], "subject": "Demo"})
    yesterday = dt.date.today() - dt.timedelta(days=1)
    api.post("/v1/crm/tasks", {"title": "Call back", "due_date": str(yesterday)})
    api.post("/score")
    return {"company": company["id"], "contact": contact["id"], "deal": deal["id"]}


def test_the_page_asks_for_a_workspace_and_remembers_it(admin: Admin, api: Api) -> None:
    api.post("/v1/crm/contacts", {"first_name": "Remembered"})
    page = admin.page
    page.goto(f"{admin.base_url}/admin/")
    expect(page.get_by_role("heading", name="Choose a workspace")).to_be_visible()
    expect(page.get_by_label("Workspace")).to_be_focused()

    page.get_by_label("Workspace").fill("Not A Workspace!")
    page.get_by_role("button", name="Use").click()
    expect(page.locator("#workspace-error")).to_contain_text("lower-case letters")

    page.get_by_label("Workspace").fill(admin.workspace_id)
    page.get_by_role("button", name="Use").click()
    expect(page.get_by_role("link", name="Remembered")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Workspace")).to_have_value(admin.workspace_id)
    expect(page.get_by_role("link", name="Remembered")).to_be_visible()


def test_every_view_renders_its_data_without_console_errors(
    admin: Admin, some_of_everything: dict[str, str]
) -> None:
    ids = some_of_everything
    expected = {
        "#/contacts": "Sanna",
        f"#/contacts/{ids['contact']}": "Demo",
        f"#/contacts/{ids['contact']}/edit": "Save contact",
        "#/contacts/new": "Create contact",
        "#/companies": "dvv.fi",
        f"#/companies/{ids['company']}": "Sanna",
        f"#/companies/{ids['company']}/edit": "Save company",
        "#/deals": "Container",
        f"#/deals/{ids['deal']}/edit": "Save deal",
        "#/deals/new": "Create deal",
        "#/activities": "Demo",
        "#/activities/new": "Log activity",
        "#/tasks": "Call back",
        "#/tasks/new": "Create task",
        "#/sequences": "Hot: sovereign deployment",
        "#/scoring": "Top prospects",
    }
    page = admin.open("#/contacts")
    for view, text in expected.items():
        admin.go(view)
        expect(page.locator("main"), view).to_contain_text(text)
        expect(page.locator("main .alert"), view).to_have_count(0)
        expect(page.locator("main h1"), view).to_have_count(1)
    assert admin.unexpected_errors() == []


def test_the_views_work_from_the_keyboard(admin: Admin, some_of_everything: dict[str, str]) -> None:
    page = admin.open("#/contacts")
    page.reload()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()

    page.get_by_role("link", name="Tasks").focus()
    page.keyboard.press("Enter")

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Tasks")
    expect(heading).to_be_focused()  # focus follows the view, for keyboard and screen readers
    expect(page.get_by_role("link", name="Tasks")).to_have_attribute("aria-current", "page")
    page.get_by_role("button", name="Mark “Call back” done").focus()
    page.keyboard.press("Space")
    expect(page.locator("main tbody tr", has_text="Call back")).to_have_class("done")


def test_a_narrow_window_needs_no_sideways_scrolling(
    admin: Admin, some_of_everything: dict[str, str]
) -> None:
    admin.page.set_viewport_size({"width": 390, "height": 844})
    page = admin.open("#/contacts")

    widths = {}
    for view in VIEWS:
        admin.go(f"#/{view}")
        expect(page.locator("main h1")).to_be_visible()
        widths[view] = page.evaluate("() => document.documentElement.scrollWidth")

    assert widths == dict.fromkeys(VIEWS, 390)
