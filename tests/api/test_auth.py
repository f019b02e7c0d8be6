"""API.md §0 authentication in `api_key` mode: bearer keys that belong to one workspace."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from pauhu_crm_apps.settings import Settings
from pauhu_crm_core import CRM

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, auth_mode="api_key")


@pytest.fixture
async def anonymous(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://crm.test") as client:
        yield client


@pytest.fixture
async def token(app: Starlette, workspace_id: str) -> str:
    crm: CRM = app.state.crm
    _key, token = await crm.api_keys.create(workspace_id, name="tests")
    return token


def headers(workspace: str, token: str | None = None) -> dict[str, str]:
    result = {"X-Workspace-ID": workspace}
    if token is not None:
        result["Authorization"] = f"Bearer {token}"
    return result


async def test_a_key_of_the_workspace_is_let_in(
    anonymous: httpx.AsyncClient, workspace_id: str, token: str
) -> None:
    created = await anonymous.post(
        "/v1/crm/contacts", json={"email": "a@example.eu"}, headers=headers(workspace_id, token)
    )
    listed = await anonymous.get("/v1/crm/contacts", headers=headers(workspace_id, token))

    assert created.status_code == 201
    assert listed.json()["total"] == 1


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="missing"),
        pytest.param("Bearer", id="empty"),
        pytest.param("Basic dXNlcjpwYXNz", id="other-scheme"),
        pytest.param("Bearer pcrm_not-a-key", id="malformed"),
    ],
)
async def test_requests_without_a_valid_key_are_unauthorized(
    anonymous: httpx.AsyncClient, workspace_id: str, token: str, authorization: str | None
) -> None:
    sent = headers(workspace_id)
    if authorization is not None:
        sent["Authorization"] = authorization

    response = await anonymous.get("/v1/crm/contacts", headers=sent)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_a_wrong_secret_and_a_revoked_key_are_unauthorized(
    app: Starlette, anonymous: httpx.AsyncClient, workspace_id: str, token: str
) -> None:
    crm: CRM = app.state.crm
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    wrong = await anonymous.get("/v1/crm/contacts", headers=headers(workspace_id, tampered))
    key = (await crm.api_keys.list(workspace_id))[0]
    await crm.api_keys.revoke(key.id)
    revoked = await anonymous.get("/v1/crm/contacts", headers=headers(workspace_id, token))

    assert (wrong.status_code, revoked.status_code) == (401, 401)
    assert wrong.json()["error"]["message"] == revoked.json()["error"]["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/crm/contacts"),
        ("POST", "/v1/crm/companies"),
        ("GET", "/v1/crm/deals/deal-1"),
        ("PUT", "/v1/crm/tasks/task-1"),
        ("DELETE", "/v1/crm/activities/act-1"),
        ("GET", "/v1/workspace"),
    ],
)
async def test_a_key_used_for_another_workspace_is_forbidden(
    anonymous: httpx.AsyncClient, token: str, method: str, path: str
) -> None:
    response = await anonymous.request(
        method,
        path,
        json={} if method in ("POST", "PUT") else None,
        headers=headers("ws-not-mine", token),
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


async def test_health_and_openapi_need_no_key(anonymous: httpx.AsyncClient) -> None:
    assert (await anonymous.get("/health")).status_code == 200
    assert (await anonymous.get("/openapi.json")).status_code == 200
