"""The activity timeline (type filter, logging one) and tasks (overdue, mark done)."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from .conftest import Admin, Api


def test_the_timeline_filters_by_type(admin: Admin, api: Api) -> None:
    contact = api.post("/v1/crm/contacts", {"first_name": "Sanna"})
    api.post(
        "/v1/crm/activities",
        {"contact_id": contact["id"], "type": "call", "subject": "Pricing call"},
    )
    api.post(
        "/v1/crm/activities", {"type": "meeting", "subject": "Demo", "body": "Line one\nline two"}
    )
    page = admin.open("#/activities")
    items = page.locator(".timeline-item")
    expect(items).to_have_count(2)
    expect(items.filter(has_text="Pricing call").get_by_role("link", name="Sanna")).to_be_visible()

    page.get_by_label("Type").select_option("meeting")

    expect(items).to_have_count(1)
    expect(items).to_contain_text("Demo")
    expect(items).to_contain_text("Line one\nline two")


def test_an_activity_logged_from_a_contact_lands_on_its_timeline(admin: Admin, api: Api) -> None:
    contact = api.post("/v1/crm/contacts", {"first_name": "Ieva", "last_name": "Ozola"})
    page = admin.open(f"#/contacts/{contact['id']}")
    page.get_by_role("link", name="Log activity").click()

    expect(page.get_by_label("Contact")).to_have_value(contact["id"])
    page.get_by_label("Type").select_option("call")
    page.get_by_label("Subject").fill("Tender follow-up")
    page.get_by_label("Notes").fill("Wants TED alerts in Latvian.")
    page.get_by_role("button", name="Log activity").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ieva Ozola")
    expect(page.locator(".timeline")).to_contain_text("Tender follow-up")
    [activity] = api.get("/v1/crm/activities", contact_id=contact["id"])["activities"]
    assert (activity["type"], activity["body"]) == ("call", "Wants TED alerts in Latvian.")


def test_overdue_tasks_are_highlighted_and_one_click_marks_a_task_done(
    admin: Admin, api: Api
) -> None:
    today = dt.date.today()
    late = api.post(
        "/v1/crm/tasks",
        {
            "title": "Send proposal",
            "due_date": str(today - dt.timedelta(days=3)),
            "priority": "high",
        },
    )
    api.post(
        "/v1/crm/tasks", {"title": "Book review", "due_date": str(today + dt.timedelta(days=5))}
    )
    page = admin.open("#/tasks")
    late_row = page.locator("main tbody tr", has_text="Send proposal")
    future_row = page.locator("main tbody tr", has_text="Book review")
    expect(late_row).to_have_class("overdue")
    expect(late_row).to_contain_text("Overdue")
    expect(future_row).not_to_have_class("overdue")

    late_row.get_by_role("button", name="Mark “Send proposal” done").click()

    expect(late_row).to_have_class("done")
    expect(late_row).not_to_contain_text("Overdue")
    expect(late_row.get_by_role("button")).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("Marked “Send proposal” done")
    saved = api.get(f"/v1/crm/tasks/{late['id']}")
    assert saved["status"] == "done"
    assert saved["completed_at"] is not None


def test_the_overdue_filter_asks_the_api_for_overdue_tasks(admin: Admin, api: Api) -> None:
    today = dt.date.today()
    api.post("/v1/crm/tasks", {"title": "Late", "due_date": str(today - dt.timedelta(days=1))})
    api.post("/v1/crm/tasks", {"title": "On time", "due_date": str(today + dt.timedelta(days=1))})
    page = admin.open("#/tasks")
    expect(page.locator("main tbody tr")).to_have_count(2)

    page.get_by_label("Overdue only").check()

    expect(page.locator("main tbody tr")).to_have_count(1)
    expect(page.locator("main tbody tr")).to_contain_text("Late")
