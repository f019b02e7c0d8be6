"""API.md §7 over HTTP: sequences, enrolments, /run, the outbox and /unsubscribe."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx
import pytest

pytestmark = pytest.mark.anyio


async def contact(client: httpx.AsyncClient, email: str) -> dict[str, Any]:
    response = await client.post("/v1/crm/contacts", json={"email": email, "first_name": "Sanna"})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def enrol(
    client: httpx.AsyncClient, contact_id: str, sequence: str = "seq-hot-sovereign"
) -> httpx.Response:
    return await client.post(
        f"/v1/sequences/{sequence}/enrollments", json={"contact_id": contact_id}
    )


async def test_every_workspace_lists_the_three_seed_sequences(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/sequences")).json()
    warm = (await client.get("/v1/sequences/seq-warm-regulatory")).json()

    assert [s["id"] for s in body["sequences"]] == [
        "seq-hot-sovereign",
        "seq-warm-regulatory",
        "seq-cold-education",
    ]
    assert body["total"] == 3
    assert body["sequences"][0]["enrollment_counts"] == {"active": 0, "completed": 0, "stopped": 0}
    assert [step["delay_days"] for step in warm["steps"]] == [0, 4, 8, 14, 21]
    assert warm["segment"] == "warm"


async def test_a_sequence_with_bad_steps_is_unprocessable(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/sequences",
        json={
            "name": "Bad",
            "steps": [
                {"subject": "A", "body": "Hi {{ nickname }}", "delay_days": 4},
                {"subject": "B", "body": "ok", "delay_days": 2, "extra": True},
            ],
        },
    )

    # Field-level errors come first; the step rules are checked once the fields are valid.
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["error"]["details"]] == ["steps.1.extra"]
    fixed = await client.post(
        "/v1/sequences",
        json={
            "name": "Bad",
            "steps": [
                {"subject": "A", "body": "Hi {{ nickname }}", "delay_days": 4},
                {"subject": "B", "body": "ok", "delay_days": 2},
            ],
        },
    )
    assert [d["field"] for d in fixed.json()["error"]["details"]] == [
        "steps.0.body",
        "steps.1.delay_days",
    ]


async def test_a_sequence_is_created_and_updated(client: httpx.AsyncClient) -> None:
    created = await client.post(
        "/v1/sequences",
        json={
            "id": "seq-event",
            "name": "After the conference",
            "steps": [
                {"subject": "Nice to meet you", "body": "Hi {{ first_name }}", "delay_days": 0}
            ],
        },
    )
    paused = await client.put("/v1/sequences/seq-event", json={"status": "paused"})

    assert created.status_code == 201
    assert created.json()["status"] == "active"
    assert paused.json()["status"] == "paused"
    assert (await client.put("/v1/sequences/seq-event", json={"id": "x"})).status_code == 422
    assert (await client.get("/v1/sequences/seq-nope")).status_code == 404


async def test_enrolments_are_made_listed_and_stopped(client: httpx.AsyncClient) -> None:
    sanna = await contact(client, "sanna@dvv.fi")

    first = await enrol(client, sanna["id"])
    second = await enrol(client, sanna["id"], "seq-cold-education")
    listed = (await client.get("/v1/sequences/seq-hot-sovereign/enrollments")).json()
    stopped = await client.delete(f"/v1/sequences/seq-hot-sovereign/enrollments/{sanna['id']}")
    counts = (await client.get("/v1/sequences/seq-hot-sovereign")).json()["enrollment_counts"]

    assert first.status_code == 201
    assert first.json()["status"] == "active"
    assert second.status_code == 409
    assert [e["contact_id"] for e in listed["enrollments"]] == [sanna["id"]]
    assert stopped.json()["status"] == "stopped"
    assert counts == {"active": 0, "completed": 0, "stopped": 1}
    missing = await enrol(client, "no-such-contact")
    assert missing.status_code == 422


async def test_run_sends_due_steps_to_the_outbox(client: httpx.AsyncClient) -> None:
    sanna = await contact(client, "sanna@dvv.fi")
    await enrol(client, sanna["id"])

    result = (await client.post("/run")).json()
    again = (await client.post("/run")).json()
    outbox = (await client.get("/v1/outbox")).json()

    assert {k: result[k] for k in ("processed", "sent", "skipped", "errors")} == {
        "processed": 1,
        "sent": 1,
        "skipped": 0,
        "errors": 0,
    }
    assert again["sent"] == 0
    [message] = outbox["outbox"]
    assert message["to"] == "sanna@dvv.fi"
    assert message["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["headers"]["List-Unsubscribe"].startswith("<http")
    activities = (await client.get(f"/v1/crm/activities?contact_id={sanna['id']}")).json()
    assert activities["activities"][0]["type"] == "email"


async def test_six_concurrent_runs_send_each_due_step_once(client: httpx.AsyncClient) -> None:
    for n in range(10):
        person = await contact(client, f"p{n}@example.eu")
        assert (await enrol(client, person["id"])).status_code == 201
    sent = []

    async def run() -> None:
        response = await client.post("/run")
        sent.append(response.json()["sent"])

    async with anyio.create_task_group() as group:
        for _ in range(6):
            group.start_soon(run)

    outbox = (await client.get("/v1/outbox?limit=100")).json()
    assert sum(sent) == 10
    assert sorted(m["to"] for m in outbox["outbox"]) == sorted(
        f"p{n}@example.eu" for n in range(10)
    )


async def test_the_unsubscribe_link_confirms_then_unsubscribes(
    client: httpx.AsyncClient, workspace_id: str
) -> None:
    sanna = await contact(client, "sanna@dvv.fi")
    await enrol(client, sanna["id"])
    await client.post("/run")
    [message] = (await client.get("/v1/outbox")).json()["outbox"]
    link = urlsplit(message["headers"]["List-Unsubscribe"].strip("<>"))
    path = f"{link.path}?{link.query}"
    client.headers.pop("X-Workspace-ID")

    page = await client.get(path)
    one_click = await client.post(
        path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert page.status_code == 200
    assert '<form method="post">' in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert one_click.status_code == 200
    assert "unsubscribed" in one_click.text
    stored = await client.get(
        f"/v1/crm/contacts/{sanna['id']}", headers={"X-Workspace-ID": workspace_id}
    )
    assert stored.json()["unsubscribed_at"] is not None


@pytest.mark.parametrize("token", ["", "nonsense", "YWJj.YWJj"])
async def test_a_bad_unsubscribe_link_is_a_bad_request(
    client: httpx.AsyncClient, token: str
) -> None:
    assert (await client.get(f"/unsubscribe?token={token}")).status_code == 400
    assert (await client.post(f"/unsubscribe?token={token}")).status_code == 400


async def test_deliveries_record_what_was_sent(client: httpx.AsyncClient) -> None:
    sanna = await contact(client, "sanna@dvv.fi")
    await enrol(client, sanna["id"])
    await client.post("/run")

    body = (await client.get("/v1/deliveries?status=sent")).json()

    assert [d["status"] for d in body["deliveries"]] == ["sent"]
    retry = await client.post(f"/v1/deliveries/{body['deliveries'][0]['id']}/retry")
    assert retry.status_code == 409
