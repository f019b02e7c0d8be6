"""GDPR export and erasure, and the audit log, over HTTP."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_export_then_erase_a_contact(client: httpx.AsyncClient) -> None:
    made = await client.post(
        "/v1/crm/contacts", json={"email": "sanna@dvv.fi", "first_name": "Sanna"}
    )
    contact_id = made.json()["id"]
    await client.post("/v1/crm/activities", json={"contact_id": contact_id, "body": "Hello"})

    export = await client.get(f"/v1/crm/contacts/{contact_id}/export")
    erased = await client.post(f"/v1/crm/contacts/{contact_id}/erase")
    again = await client.post("/v1/crm/contacts", json={"email": "sanna@dvv.fi"})

    assert export.status_code == 200
    body = export.json()
    assert body["contact"]["email"] == "sanna@dvv.fi"
    assert [a["body"] for a in body["activities"]] == ["Hello"]
    assert set(body) >= {"tasks", "deals", "enrollments", "deliveries", "emails", "score_history"}
    assert erased.json() == {
        "id": contact_id,
        "erased": True,
        "activities": 1,
        "tasks": 0,
        "enrollments": 0,
        "deliveries": 0,
        "emails": 0,
        "suppressed": True,
    }
    assert (await client.get(f"/v1/crm/contacts/{contact_id}")).status_code == 404
    assert again.json()["unsubscribed_at"] is not None
    assert (await client.post(f"/v1/crm/contacts/{contact_id}/erase")).status_code == 404


async def test_the_audit_log_names_the_request(client: httpx.AsyncClient) -> None:
    made = await client.post(
        "/v1/crm/companies", json={"name": "DVV"}, headers={"X-Request-ID": "trace-1"}
    )

    log = (await client.get("/v1/audit?resource=company")).json()

    [entry] = log["audit"]
    assert (entry["action"], entry["resource_id"], entry["fields"]) == (
        "create",
        made.json()["id"],
        ["name"],
    )
    assert (entry["actor"], entry["request_id"]) == ("anonymous", "trace-1")
    assert (await client.get("/v1/audit?colour=red")).status_code == 422
