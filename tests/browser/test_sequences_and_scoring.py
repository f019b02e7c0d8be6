"""Sequences (steps, enrolment counts, run now, outbox) and the scoring dashboard."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import Admin, Api

HOT_COMPANY = {
    "name": "DVV",
    "domain": "dvv.fi",
    "industry": "government",
    "size": "1000+",
    "country": "FI",
    "icp_tier": "tier-1",
    "description": "On-premise multilingual search over EUR-Lex; GDPR and NIS2; budget approved.",
}


def test_the_seed_sequences_show_their_steps_delays_and_enrolment_counts(
    admin: Admin, api: Api
) -> None:
    company = api.post("/v1/crm/companies", HOT_COMPANY)
    api.post(
        "/v1/crm/contacts",
        {"first_name": "Sanna", "email": "sanna@dvv.fi", "company_id": company["id"]},
    )
    api.post("/score")  # scores the contact hot and enrols it in the hot sequence

    page = admin.open("#/sequences")

    hot = page.locator("[data-sequence-id=seq-hot-sovereign]")
    assert hot.locator(".delay").all_inner_texts() == ["Day 0", "Day 2", "Day 5"]
    expect(hot.locator(".count-active dd")).to_have_text("1")
    expect(hot.locator(".count-completed dd")).to_have_text("0")
    warm = page.locator("[data-sequence-id=seq-warm-regulatory]")
    warm_delays = ["Day 0", "Day 4", "Day 8", "Day 14", "Day 21"]
    assert warm.locator(".delay").all_inner_texts() == warm_delays
    expect(warm.locator(".count-active dd")).to_have_text("0")


def test_run_now_shows_the_result_and_the_sent_mail_in_the_outbox(admin: Admin, api: Api) -> None:
    company = api.post("/v1/crm/companies", HOT_COMPANY)
    api.post(
        "/v1/crm/contacts",
        {"first_name": "Sanna", "email": "sanna@dvv.fi", "company_id": company["id"]},
    )
    api.post("/score")
    page = admin.open("#/sequences")
    expect(page.get_by_text("The outbox is empty.")).to_be_visible()

    page.get_by_role("button", name="Run now").click()

    result = page.locator(".result-box")
    expect(result.locator("[data-stat=sent]")).to_have_text("Sent 1")
    expect(result.locator("[data-stat=errors]")).to_have_text("Errors 0")
    outbox = page.locator("section", has=page.get_by_role("heading", name="Outbox"))
    expect(outbox.locator("tbody tr")).to_have_count(1)
    expect(outbox.locator("tbody tr")).to_contain_text("sanna@dvv.fi")
    expect(outbox.locator("tbody tr")).to_contain_text("Sovereign EU regulatory search for DVV")
    expect(page.get_by_role("button", name="Run now")).to_be_enabled()


def test_score_now_scores_contacts_and_redraws_the_dashboard(admin: Admin, api: Api) -> None:
    company = api.post("/v1/crm/companies", HOT_COMPANY)
    api.post(
        "/v1/crm/contacts",
        {"first_name": "Sanna", "last_name": "Virtanen", "company_id": company["id"]},
    )
    api.post("/v1/crm/contacts", {"first_name": "Astrid", "title": "Office manager"})
    page = admin.open("#/scoring")
    unscored = page.locator(".stat", has_text="Unscored").locator(".stat-value")
    expect(unscored).to_have_text("2")
    expect(page.get_by_text("No scored contacts yet")).to_be_visible()

    page.get_by_role("button", name="Score now").click()

    expect(page.locator(".result-box [data-stat=scored]")).to_have_text("Scored 2")
    expect(unscored).to_have_text("0")
    chart = page.get_by_role("img", name="Contacts per segment")
    expect(chart).to_have_attribute("aria-label", "Contacts per segment: hot 1, warm 0, cold 1")
    expect(page.locator(".bar-hot .bar-count")).to_have_text("1")
    prospects = page.locator("section", has=page.get_by_role("heading", name="Top prospects"))
    expect(prospects.locator("tbody tr").first).to_contain_text("Sanna Virtanen")
    expect(prospects.locator("tbody tr").first).to_contain_text("Hot")
