"""API.md §2–§6 over HTTP: each record kind's endpoints, links and rules."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.anyio

SEED_COMPANY = {
    "id": "comp-dvv",
    "name": "Digital and Population Data Services Agency",
    "domain": "dvv.fi",
    "industry": "government",
    "size": "1000+",
    "country": "FI",
    "city": "Helsinki",
    "website": "https://dvv.fi",
    "icp_tier": "tier-1",
    "is_target_account": True,
    "tags": ["gov-fi", "digital-services"],
}
SEED_CONTACT = {
    "id": "abc-123",
    "email": "sanna.virtanen@dvv.fi",
    "first_name": "Sanna",
    "last_name": "Virtanen",
    "title": "Chief Data Officer",
    "company_id": "comp-dvv",
    "lifecycle_stage": "lead",
    "lead_source": "conference",
    "tags": ["gov-fi", "data-governance"],
}


async def created(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    return record


@pytest.fixture
async def seeded(client: httpx.AsyncClient) -> httpx.AsyncClient:
    await created(client, "/v1/crm/companies", SEED_COMPANY)
    await created(client, "/v1/crm/contacts", SEED_CONTACT)
    return client


async def test_a_created_contact_is_the_full_resource_with_seed_defaults(
    seeded: httpx.AsyncClient,
) -> None:
    contact = (await seeded.get("/v1/crm/contacts/abc-123")).json()

    assert contact["lead_score"] == 0
    assert contact["custom_fields"] == {}
    assert contact["phone"] is None
    assert contact["last_activity_at"] is None
    assert contact["score_segment"] is None
    assert contact["created_at"].endswith("Z")
    assert contact["company"]["id"] == "comp-dvv"
    assert (contact["activities"], contact["deals"]) == ([], [])


async def test_duplicates_conflict_and_name_the_field(seeded: httpx.AsyncClient) -> None:
    email = await seeded.post("/v1/crm/contacts", json={"email": "SANNA.VIRTANEN@dvv.fi"})
    domain = await seeded.post("/v1/crm/companies", json={"domain": "https://www.dvv.fi/"})
    same_id = await seeded.post("/v1/crm/deals", json={"id": "d-1"})
    again = await seeded.post("/v1/crm/deals", json={"id": "d-1"})

    for response, field in ((email, "email"), (domain, "domain"), (again, "id")):
        assert response.status_code == 409
        assert response.json()["error"]["details"][0]["field"] == field
    assert same_id.status_code == 201


async def test_put_changes_only_what_is_given_and_null_clears(seeded: httpx.AsyncClient) -> None:
    response = await seeded.put(
        "/v1/crm/contacts/abc-123", json={"lifecycle_stage": "sql", "lead_score": 85, "title": None}
    )

    contact = response.json()
    assert response.status_code == 200
    assert (contact["lifecycle_stage"], contact["lead_score"], contact["title"]) == (
        "sql",
        85,
        None,
    )
    assert (contact["first_name"], contact["score_segment"]) == ("Sanna", "hot")
    assert contact["score_breakdown"] == {"scorer": "manual", "criteria": []}
    assert (await seeded.get("/v1/crm/contacts?stage=sql")).json()["total"] == 1


async def test_id_on_update_is_read_only(seeded: httpx.AsyncClient) -> None:
    response = await seeded.put("/v1/crm/contacts/abc-123", json={"id": "other"})

    assert response.status_code == 422
    assert response.json()["error"]["details"] == [{"field": "id", "message": "is read-only"}]


async def test_references_to_missing_records_are_unprocessable(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/crm/deals", json={"company_id": "comp-x", "contact_id": "abc-x"}
    )

    assert response.status_code == 422
    assert [d["field"] for d in response.json()["error"]["details"]] == ["company_id", "contact_id"]


async def test_another_workspace_sees_nothing_and_references_nothing(
    seeded: httpx.AsyncClient,
) -> None:
    other = {"X-Workspace-ID": "ws-someone-else"}

    assert (await seeded.get("/v1/crm/contacts/abc-123", headers=other)).status_code == 404
    assert (await seeded.put("/v1/crm/companies/comp-dvv", json={}, headers=other)).status_code == (
        404
    )
    assert (await seeded.delete("/v1/crm/contacts/abc-123", headers=other)).status_code == 404
    assert (await seeded.get("/v1/crm/contacts?q=sanna", headers=other)).json()["total"] == 0
    linked = await seeded.post("/v1/crm/contacts", json={"company_id": "comp-dvv"}, headers=other)
    assert linked.status_code == 422
    assert (await seeded.get("/v1/crm/contacts/abc-123")).status_code == 200


async def test_company_list_filters_and_detail(seeded: httpx.AsyncClient) -> None:
    await created(seeded, "/v1/crm/companies", {"name": "Bakery", "country": "SE"})

    targets = (await seeded.get("/v1/crm/companies?target=true")).json()
    by_domain = (await seeded.get("/v1/crm/companies?q=dvv.fi")).json()
    swedish = (await seeded.get("/v1/crm/companies?country=SE")).json()
    detail = (await seeded.get("/v1/crm/companies/comp-dvv")).json()

    assert [c["id"] for c in targets["companies"]] == ["comp-dvv"]
    assert by_domain["total"] == 1
    assert [c["name"] for c in swedish["companies"]] == ["Bakery"]
    assert [c["id"] for c in detail["contacts"]] == ["abc-123"]
    assert (detail["deals"], detail["activities"]) == ([], [])


async def test_deals_carry_exact_amounts_and_a_pipeline_of_all_deals(
    seeded: httpx.AsyncClient,
) -> None:
    await created(
        seeded,
        "/v1/crm/deals",
        {
            "id": "deal-123",
            "name": "DVV Sovereign Container - 3yr",
            "company_id": "comp-dvv",
            "contact_id": "abc-123",
            "stage": "qualified",
            "amount": 150000,
            "currency": "EUR",
            "probability": 40,
            "expected_close_date": "2026-09-01",
        },
    )
    for amount in (0.1, 0.2):
        await created(seeded, "/v1/crm/deals", {"stage": "lead", "amount": amount})

    body = (await seeded.get("/v1/crm/deals?stage=qualified&limit=1")).json()

    assert [d["id"] for d in body["deals"]] == ["deal-123"]
    assert body["deals"][0]["amount"] == 150000
    assert body["pipeline"] == [
        {"stage": "lead", "count": 2, "total_amount": 0.3, "weighted_amount": 0},
        {"stage": "qualified", "count": 1, "total_amount": 150000, "weighted_amount": 60000},
    ]
    detail = (await seeded.get("/v1/crm/deals/deal-123")).json()
    assert (detail["company"]["id"], detail["contact"]["id"], detail["activities"]) == (
        "comp-dvv",
        "abc-123",
        [],
    )


async def test_closing_a_deal_records_its_close_date(client: httpx.AsyncClient) -> None:
    deal = await created(client, "/v1/crm/deals", {"stage": "negotiation"})

    won = (await client.put(f"/v1/crm/deals/{deal['id']}", json={"stage": "closed_won"})).json()
    reopened = (await client.put(f"/v1/crm/deals/{deal['id']}", json={"stage": "proposal"})).json()

    assert won["actual_close_date"] == "2026-03-07"
    assert reopened["actual_close_date"] is None


async def test_an_activity_moves_the_contacts_last_activity_forward_only(
    seeded: httpx.AsyncClient,
) -> None:
    meeting = await created(
        seeded,
        "/v1/crm/activities",
        {
            "contact_id": "abc-123",
            "company_id": "comp-dvv",
            "type": "meeting",
            "subject": "Sovereign container demo",
            "occurred_at": "2026-03-07T10:00:00Z",
        },
    )
    await created(
        seeded,
        "/v1/crm/activities",
        {"contact_id": "abc-123", "type": "call", "occurred_at": "2026-01-07T10:00:00+02:00"},
    )

    contact = (await seeded.get("/v1/crm/contacts/abc-123")).json()
    calls = (await seeded.get("/v1/crm/activities?contact_id=abc-123&type=call")).json()

    assert meeting["occurred_at"] == "2026-03-07T10:00:00Z"
    assert contact["last_activity_at"] == "2026-03-07T10:00:00Z"
    assert [a["type"] for a in contact["activities"]] == ["meeting", "call"]
    assert [a["occurred_at"] for a in calls["activities"]] == ["2026-01-07T08:00:00Z"]


async def test_activities_and_tasks_can_be_read_changed_and_deleted(
    client: httpx.AsyncClient,
) -> None:
    for path, body, change in (
        ("/v1/crm/activities", {"subject": "Note"}, {"subject": "Edited"}),
        ("/v1/crm/tasks", {"title": "Call"}, {"title": "Call back"}),
    ):
        record = await created(client, path, body)
        item = f"{path}/{record['id']}"

        assert (await client.get(item)).json() == record
        assert (await client.put(item, json=change)).json() | change == (
            await client.get(item)
        ).json()
        assert (await client.delete(item)).json() == {"id": record["id"], "deleted": True}
        assert (await client.get(item)).status_code == 404


async def test_tasks_record_completion_and_list_overdue(client: httpx.AsyncClient) -> None:
    late = await created(
        client, "/v1/crm/tasks", {"title": "Send proposal", "due_date": "2020-03-14"}
    )
    await created(client, "/v1/crm/tasks", {"title": "Later", "due_date": "2030-01-01"})

    overdue = (await client.get("/v1/crm/tasks?overdue=true")).json()
    done = (await client.put(f"/v1/crm/tasks/{late['id']}", json={"status": "done"})).json()

    assert [t["id"] for t in overdue["tasks"]] == [late["id"]]
    assert done["completed_at"] == "2026-03-07T10:00:00Z"
    assert (await client.get("/v1/crm/tasks?overdue=true")).json()["total"] == 0
    bad = await client.post("/v1/crm/tasks", json={"title": "x", "due_date": "2026-02-30"})
    assert bad.json()["error"]["details"][0]["field"] == "due_date"


async def test_delete_answers_with_the_id_and_then_not_found(seeded: httpx.AsyncClient) -> None:
    first = await seeded.delete("/v1/crm/contacts/abc-123")
    second = await seeded.delete("/v1/crm/contacts/abc-123")

    assert (first.status_code, first.json()) == (200, {"id": "abc-123", "deleted": True})
    assert second.status_code == 404
    company = await seeded.delete("/v1/crm/companies/comp-dvv")
    assert company.json() == {"id": "comp-dvv", "deleted": True}


async def test_workspace_settings_are_read_and_changed(client: httpx.AsyncClient) -> None:
    settings = (await client.get("/v1/workspace")).json()
    changed = await client.put("/v1/workspace", json={"timezone": "Europe/Stockholm"})
    unknown_zone = await client.put("/v1/workspace", json={"timezone": "Europe/Atlantis"})

    assert (settings["timezone"], settings["auto_enroll"]) == ("Europe/Helsinki", True)
    assert changed.json()["timezone"] == "Europe/Stockholm"
    assert unknown_zone.status_code == 422
    assert unknown_zone.json()["error"]["details"][0]["field"] == "timezone"


async def test_health_reports_a_reachable_database(client: httpx.AsyncClient) -> None:
    client.headers.pop("X-Workspace-ID")
    body = (await client.get("/health")).json()

    assert {k: body[k] for k in ("service", "jurisdiction", "status")} == {
        "service": "crm",
        "jurisdiction": "eu",
        "status": "healthy",
    }
    assert body["timestamp"] == "2026-03-07T10:00:00Z"
