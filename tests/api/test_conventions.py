"""API.md §0, the conventions every endpoint shares, over HTTP."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pauhu_crm_apps.api import create_app
from pauhu_crm_apps.settings import Settings

pytestmark = pytest.mark.anyio

ERROR_KEYS = {"code", "message", "details"}


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) >= ERROR_KEYS
    assert body["error"]["code"] == code
    return body["error"]


@pytest.mark.parametrize(
    "headers",
    [pytest.param({}, id="missing"), pytest.param({"X-Workspace-ID": ""}, id="empty")],
)
async def test_a_request_without_a_workspace_is_unauthorized(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    client.headers.pop("X-Workspace-ID")
    error = error_of(await client.get("/v1/crm/contacts", headers=headers), 401, "unauthorized")
    assert "X-Workspace-ID" in str(error["message"])


@pytest.mark.parametrize("workspace", ["WS-Pauhu", "-ws", "w", "ws_pauhu", "ws pauhu", "x" * 64])
async def test_a_malformed_workspace_is_a_bad_request(
    client: httpx.AsyncClient, workspace: str
) -> None:
    response = await client.get("/v1/crm/contacts", headers={"X-Workspace-ID": workspace})
    error_of(response, 400, "bad_request")


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    ok = await client.get("/v1/crm/contacts")
    failed = await client.get("/v1/crm/contacts", headers={"X-Workspace-ID": ""})
    missing = await client.get("/no/such/endpoint")

    ids = [r.headers["X-Request-ID"] for r in (ok, failed, missing)]
    assert all(ids)
    assert len(set(ids)) == 3


async def test_a_sane_caller_request_id_is_kept_and_an_odd_one_replaced(
    client: httpx.AsyncClient,
) -> None:
    kept = await client.get("/health", headers={"X-Request-ID": "trace-42.a"})
    replaced = await client.get("/health", headers={"X-Request-ID": "no spaces <allowed>"})

    assert kept.headers["X-Request-ID"] == "trace-42.a"
    assert replaced.headers["X-Request-ID"] not in ("", "no spaces <allowed>")


async def test_malformed_json_is_a_bad_request(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/crm/contacts", content=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    error_of(response, 400, "bad_request")


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"42", b"null"])
async def test_a_body_that_is_not_an_object_is_unprocessable(
    client: httpx.AsyncClient, body: bytes
) -> None:
    response = await client.post(
        "/v1/crm/contacts", content=body, headers={"Content-Type": "application/json"}
    )
    error = error_of(response, 422, "validation_error")
    assert error["details"] == [{"field": "(body)", "message": "must be a JSON object"}]


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/crm/contacts"), ("PUT", "/v1/crm/contacts/abc-123"), ("PUT", "/v1/workspace")],
)
async def test_a_write_in_another_media_type_is_refused(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(
        method, path, content=b"email=a@example.eu", headers={"Content-Type": "text/plain"}
    )
    error_of(response, 415, "unsupported_media_type")


async def test_json_with_a_charset_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/crm/contacts",
        content=b'{"email": "a@example.eu"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201


async def test_a_body_over_one_mebibyte_is_too_large(client: httpx.AsyncClient) -> None:
    big = b'{"body": "' + b"x" * (1024 * 1024) + b'"}'
    response = await client.post(
        "/v1/crm/activities", content=big, headers={"Content-Type": "application/json"}
    )
    error_of(response, 413, "payload_too_large")


async def test_the_size_limit_holds_without_a_content_length(client: httpx.AsyncClient) -> None:
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"body": "'
        for _ in range(64):  # 4 MiB if nobody stops reading
            sent += 64 * 1024
            yield b"x" * (64 * 1024)

    response = await client.post(
        "/v1/crm/activities", content=endless(), headers={"Content-Type": "application/json"}
    )

    error_of(response, 413, "payload_too_large")
    assert sent < 2 * 1024 * 1024  # the app stopped reading soon after the limit


async def test_unknown_and_read_only_fields_are_named(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/crm/tasks",
        json={"title": "Call", "completed_at": "2026-03-07T10:00:00Z", "colour": "red"},
    )

    error = error_of(response, 422, "validation_error")
    assert error["details"] == [
        {"field": "completed_at", "message": "is read-only"},
        {"field": "colour", "message": "is not a known field"},
    ]


async def test_an_unknown_endpoint_is_not_found(client: httpx.AsyncClient) -> None:
    error_of(await client.get("/v1/crm/leads"), 404, "not_found")


async def test_an_unsupported_method_is_not_allowed(client: httpx.AsyncClient) -> None:
    response = await client.patch("/v1/crm/contacts", json={})

    error_of(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param("limit=0", "limit", id="limit-zero"),
        pytest.param("limit=-5", "limit", id="limit-negative"),
        pytest.param("limit=ten", "limit", id="limit-not-a-number"),
        pytest.param("limit=2.5", "limit", id="limit-fraction"),
        pytest.param("offset=-1", "offset", id="offset-negative"),
        pytest.param("stage=prospect", "stage", id="unknown-enum"),
        pytest.param("segment=lukewarm", "segment", id="unknown-segment"),
        pytest.param("stage=lead&stage=sql", "stage", id="repeated"),
        pytest.param("colour=red", "colour", id="unknown-parameter"),
    ],
)
async def test_bad_query_parameters_are_unprocessable(
    client: httpx.AsyncClient, query: str, field: str
) -> None:
    error = error_of(await client.get(f"/v1/crm/contacts?{query}"), 422, "validation_error")
    assert [d["field"] for d in error["details"]] == [field]  # type: ignore[union-attr]


@pytest.mark.parametrize("value", ["yes", "1", "TRUE", ""])
async def test_boolean_parameters_accept_true_and_false_only(
    client: httpx.AsyncClient, value: str
) -> None:
    error_of(await client.get(f"/v1/crm/companies?target={value}"), 422, "validation_error")
    assert (await client.get("/v1/crm/tasks?overdue=false")).status_code == 200


async def test_large_limits_are_clamped_and_the_envelope_counts_all_matches(
    client: httpx.AsyncClient,
) -> None:
    for n in range(3):
        await client.post("/v1/crm/companies", json={"name": f"Company {n}"})

    body = (await client.get("/v1/crm/companies?limit=1000&offset=1")).json()

    assert set(body) == {"companies", "total", "limit", "offset"}
    assert (body["total"], body["limit"], body["offset"]) == (3, 100, 1)
    assert len(body["companies"]) == 2


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        pytest.param("https://staging.pauhu.eu", True, id="pauhu-origin"),
        pytest.param("https://evil.example", False, id="other-origin"),
    ],
)
async def test_cors_is_limited_to_the_configured_origins(
    client: httpx.AsyncClient, origin: str, allowed: bool
) -> None:
    preflight = await client.options(
        "/v1/crm/contacts",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-Workspace-ID, Content-Type, Authorization",
        },
    )
    simple = await client.get("/v1/crm/contacts", headers={"Origin": origin})

    if allowed:
        assert preflight.headers["Access-Control-Allow-Origin"] == origin
        allowed_headers = preflight.headers["Access-Control-Allow-Headers"].lower()
        assert {"x-workspace-id", "authorization", "content-type"} <= {
            h.strip() for h in allowed_headers.split(",")
        }
        assert simple.headers["Access-Control-Allow-Origin"] == origin
    else:
        assert "Access-Control-Allow-Origin" not in preflight.headers
        assert "Access-Control-Allow-Origin" not in simple.headers


async def test_search_matches_non_ascii_text_case_insensitively(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/v1/crm/contacts", json={"first_name": "Tuula", "last_name": "Äijälä"})
    await client.post("/v1/crm/contacts", json={"first_name": "Nikola", "email": "n@x.eu"})
    await client.post("/v1/crm/contacts", json={"first_name": "50%"})

    async def names(q: str) -> list[str]:
        body = (await client.get("/v1/crm/contacts", params={"q": q})).json()
        return [c["first_name"] for c in body["contacts"]]

    assert await names("äijä") == ["Tuula"]
    assert await names("OLA") == ["Nikola"]
    assert await names("%") == ["50%"]
    assert await names("_") == []


async def test_an_internal_error_is_logged_and_answered_without_details(
    tmp_path: Path, workspace_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "broken.db"
    app = create_app(Settings(database_url=f"sqlite:///{database}"))
    async with app.router.lifespan_context(app):
        with sqlite3.connect(database) as broken:  # break the schema behind the app's back
            broken.execute("DROP TABLE tasks")
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://crm.test") as client:
            response = await client.get("/v1/crm/tasks", headers={"X-Workspace-ID": workspace_id})

    error = error_of(response, 500, "internal_error")
    request_id = response.headers["X-Request-ID"]
    assert error["request_id"] == request_id
    assert "tasks" not in response.text  # nothing of the exception reaches the client
    assert any(request_id in record.getMessage() and record.exc_info for record in caplog.records)
