"""Browser hardening headers on every kind of response the app gives.

JSON, HTML, errors (the app's own and Starlette's), CORS preflights and the
500 of an unhandled error all carry ``X-Content-Type-Options``,
``Referrer-Policy``, ``X-Frame-Options`` and a Content-Security-Policy; a
page that sets its own policy keeps it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from pauhu_crm_apps.api import create_app
from pauhu_crm_apps.api.security_headers import STRICT_CSP, SecurityHeadersMiddleware
from pauhu_crm_apps.settings import Settings

from .conftest import client_for

pytestmark = pytest.mark.anyio

PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'"


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    """Headers do not depend on the database: SQLite only."""
    return sqlite_database_url


def assert_hardened(response: httpx.Response) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff", response
    assert headers["Referrer-Policy"] == "no-referrer", response
    assert headers["X-Frame-Options"] == "DENY", response
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp, response
    assert "X-Request-ID" in headers, response  # the request-id layer still runs inside
    for name in ("X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"):
        assert len(headers.get_list(name)) == 1, (name, response)
    assert len(headers.get_list("Content-Security-Policy")) == 1, response


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("GET", "/v1/crm/contacts", 200, id="json-list"),
        pytest.param("GET", "/health", 200, id="health"),
        pytest.param("GET", "/openapi.json", 200, id="openapi"),
        pytest.param("GET", "/v1/crm/contacts/nope", 404, id="not-found"),
        pytest.param("GET", "/no/such/endpoint", 404, id="no-route"),
        pytest.param("PATCH", "/v1/crm/contacts", 405, id="method-not-allowed"),
        pytest.param("POST", "/v1/crm/contacts", 415, id="unsupported-media-type"),
    ],
)
async def test_json_answers_and_errors_carry_the_security_headers(
    client: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await client.request(method, path, content=b"x=1")

    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    assert_hardened(response)
    assert response.headers["Content-Security-Policy"] == STRICT_CSP
    assert response.headers["Cache-Control"] == "no-store"


async def test_a_request_without_a_workspace_is_refused_with_the_headers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/crm/contacts", headers={"X-Workspace-ID": ""})

    assert response.status_code == 401
    assert_hardened(response)


@pytest.mark.parametrize(
    ("method", "status"),
    [pytest.param("GET", 400, id="confirmation-page"), pytest.param("POST", 400, id="one-click")],
)
async def test_the_unsubscribe_page_keeps_its_own_policy_and_gains_the_rest(
    client: httpx.AsyncClient, method: str, status: int
) -> None:
    response = await client.request(method, "/unsubscribe?token=forged.token")

    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert_hardened(response)
    # Its own policy (inline styles, a form posting to itself), not the blanket one.
    assert "style-src 'unsafe-inline'" in response.headers["Content-Security-Policy"]
    assert "form-action 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "origin",
    [
        pytest.param("https://pauhu.eu", id="allowed-origin"),
        pytest.param("https://evil.example", id="refused-origin"),
    ],
)
async def test_cors_preflights_carry_the_security_headers(
    client: httpx.AsyncClient, origin: str
) -> None:
    response = await client.options(
        "/v1/crm/contacts",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code in (200, 400)
    assert_hardened(response)


async def test_an_internal_error_carries_the_security_headers(
    tmp_path: Path, workspace_id: str
) -> None:
    database = tmp_path / "broken.db"
    app = create_app(Settings(database_url=f"sqlite:///{database}"))
    async with app.router.lifespan_context(app):
        with sqlite3.connect(database) as broken:  # break the schema behind the app's back
            broken.execute("DROP TABLE tasks")
        async with client_for(app, workspace_id) as client:
            response = await client.get("/v1/crm/tasks")

    assert response.status_code == 500
    assert_hardened(response)


def _bare_app() -> Starlette:
    """Two HTML pages behind the middleware alone: one without headers, one with its own."""

    async def plain_page(_request: Request) -> Response:
        return HTMLResponse("<p>hello</p>")

    async def own_policy_page(_request: Request) -> Response:
        return HTMLResponse(
            "<p>hello</p>",
            headers={"Content-Security-Policy": PAGE_CSP, "X-Frame-Options": "SAMEORIGIN"},
        )

    return Starlette(
        routes=[Route("/plain", plain_page), Route("/own", own_policy_page)],
        middleware=[Middleware(SecurityHeadersMiddleware)],
    )


async def test_an_html_page_without_a_policy_gets_the_strict_one() -> None:
    async with client_for(_bare_app()) as client:
        response = await client.get("/plain")

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"] == STRICT_CSP
    assert "default-src 'none'" in STRICT_CSP


async def test_a_page_that_sets_its_own_headers_keeps_them() -> None:
    async with client_for(_bare_app()) as client:
        response = await client.get("/own")

    assert response.headers["Content-Security-Policy"] == PAGE_CSP
    assert response.headers.get_list("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
