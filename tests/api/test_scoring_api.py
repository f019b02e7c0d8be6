"""API.md §8 over HTTP: POST /score, GET /dashboard and a contact's score history."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio

EU_INSTITUTION = {
    "name": "Publications Office of the European Union",
    "domain": "op.europa.eu",
    "industry": "government",
    "country": "LU",
    "size": "1000+",
    "icp_tier": "tier-1",
    "description": "Publishes EUR-Lex and TED; needs on-premise, air-gapped multilingual "
    "search in all 24 EU languages; code on github.com/op-eu.",
}
BAKERY = {"name": "Leipomo Äijälä", "domain": "aijala.fi", "industry": "food", "size": "12"}


async def seeded(client: httpx.AsyncClient) -> dict[str, str]:
    ids = {}
    for key, company, email in (
        ("eu", EU_INSTITUTION, "anna@op.europa.eu"),
        ("bakery", BAKERY, "tuula@aijala.fi"),
    ):
        made = (await client.post("/v1/crm/companies", json=company)).json()
        person = await client.post(
            "/v1/crm/contacts", json={"email": email, "first_name": key, "company_id": made["id"]}
        )
        ids[key] = person.json()["id"]
    return ids


async def test_score_answers_with_exactly_scored_and_errors(client: httpx.AsyncClient) -> None:
    ids = await seeded(client)

    first = await client.post("/score")
    again = await client.post("/score")

    assert first.status_code == 200
    assert first.json() == {"scored": 2, "errors": 0}
    assert again.json() == {"scored": 0, "errors": 0}
    eu = (await client.get(f"/v1/crm/contacts/{ids['eu']}")).json()
    bakery = (await client.get(f"/v1/crm/contacts/{ids['bakery']}")).json()
    assert (eu["score_segment"], bakery["score_segment"]) == ("hot", "cold")
    assert eu["score_breakdown"]["scorer"] == "rules"
    assert len(eu["score_breakdown"]["criteria"]) == 5


async def test_rescore_spares_hand_set_scores(client: httpx.AsyncClient) -> None:
    ids = await seeded(client)
    await client.put(f"/v1/crm/contacts/{ids['bakery']}", json={"lead_score": 77})

    rescored = (await client.post("/score?rescore=true")).json()

    assert rescored == {"scored": 1, "errors": 0}
    bakery = (await client.get(f"/v1/crm/contacts/{ids['bakery']}")).json()
    assert (bakery["lead_score"], bakery["score_breakdown"]["scorer"]) == (77, "manual")
    assert (await client.post("/score?rescore=yes")).status_code == 422


async def test_scored_contacts_are_auto_enrolled(client: httpx.AsyncClient) -> None:
    ids = await seeded(client)
    await client.post("/score")

    hot = (await client.get("/v1/sequences/seq-hot-sovereign/enrollments")).json()
    cold = (await client.get("/v1/sequences/seq-cold-education/enrollments")).json()

    assert [e["contact_id"] for e in hot["enrollments"]] == [ids["eu"]]
    assert [e["contact_id"] for e in cold["enrollments"]] == [ids["bakery"]]


async def test_the_dashboard_has_the_documented_shape(client: httpx.AsyncClient) -> None:
    empty = (await client.get("/dashboard")).json()
    ids = await seeded(client)
    await client.post("/v1/crm/contacts", json={"email": "later@example.eu"})
    await client.post("/score")
    await client.post("/v1/crm/contacts", json={"email": "unscored@example.eu"})

    body = (await client.get("/dashboard")).json()

    assert empty["average_score"] is None
    assert [(s["segment"], s["min"], s["max"]) for s in body["segments"]] == [
        ("hot", 70, 100),
        ("warm", 40, 69),
        ("cold", 1, 39),
    ]
    assert sum(s["count"] for s in body["segments"]) == 3
    assert body["unscored"] == 1
    assert isinstance(body["average_score"], float)
    top = body["top_prospects"][0]
    assert set(top) == {"id", "name", "email", "lead_score", "score_segment", "company"}
    assert top["id"] == ids["eu"]
    assert top["company"]["name"] == EU_INSTITUTION["name"]


async def test_a_contacts_score_history_is_listed(client: httpx.AsyncClient) -> None:
    ids = await seeded(client)
    await client.post("/score")
    await client.post("/score?rescore=true")

    history = (await client.get(f"/v1/crm/contacts/{ids['eu']}/scores")).json()

    assert history["total"] == 2
    assert {r["scorer"] for r in history["scores"]} == {"rules"}
    assert (await client.get("/v1/crm/contacts/nobody/scores")).status_code == 404
