"""What keeps the page safe: data shown as text, a strict CSP, keys only in headers."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from pauhu_crm_apps import admin as admin_package
from tests.e2e.conftest import Server, clean_environment, pauhu_crm_command, running_server

from .conftest import VIEWPORT, Admin, Api

STATIC = Path(admin_package.__file__).parent / "static"
MARKUP = "<img src=x onerror=alert(1)>"


def test_markup_in_user_data_renders_as_text_and_runs_nothing(admin: Admin, api: Api) -> None:
    company = api.post("/v1/crm/companies", {"name": "<script>alert('company')</script>"})
    contact = api.post(
        "/v1/crm/contacts",
        {"first_name": MARKUP, "company_id": company["id"], "title": "<b>CTO</b>"},
    )
    api.post(
        "/v1/crm/activities",
        {"contact_id": contact["id"], "subject": "<svg onload=alert(2)>", "body": "<i>hi</i>"},
    )
    api.post("/v1/crm/deals", {"name": "<img src=y onerror=alert(3)>", "company_id": company["id"]})
    api.post("/v1/crm/tasks", {"title": "<iframe src=javascript:alert(4)>"})

    for view, shown in [
        ("#/contacts", MARKUP),
        (f"#/contacts/{contact['id']}", "<svg onload=alert(2)>"),
        ("#/companies", "<script>alert('company')</script>"),
        ("#/deals", "<img src=y onerror=alert(3)>"),
        ("#/activities", "<i>hi</i>"),
        ("#/tasks", "<iframe src=javascript:alert(4)>"),
    ]:
        page = admin.open(view) if view == "#/contacts" else admin.go(view)
        expect(page.get_by_text(shown, exact=True).first).to_be_visible()
        main = page.locator("main")
        assert main.locator("img, script, svg:not(.chart), iframe, b, i").count() == 0, view

    page.wait_for_timeout(200)  # an onerror handler would have fired by now
    assert admin.dialogs == []


def test_the_page_and_its_assets_carry_a_strict_content_security_policy(
    crm_server: Server,
) -> None:
    with httpx.Client(base_url=crm_server.base_url) as client:  # no X-Workspace-ID at all
        redirect = client.get("/admin")
        answers = [
            client.get(path)
            for path in ("/admin/", "/admin/static/app.js", "/admin/static/app.css")
        ]

    assert redirect.status_code == 307
    assert redirect.headers["location"].endswith("/admin/")
    for answer in answers:
        assert answer.status_code == 200, answer.url
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self';" in policy
        assert "style-src 'self';" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe" not in policy
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
    assert answers[1].headers["content-type"].startswith("text/javascript")


def test_the_page_loads_nothing_inline_and_nothing_from_other_origins() -> None:
    page = (STATIC.parent / "index.html").read_text()
    scripts = [STATIC.parent / "index.html", *STATIC.rglob("*.js"), *STATIC.rglob("*.css")]

    assert re.findall(r"<script[^>]*>", page) == ['<script type="module" src="static/app.js">']
    assert " style=" not in page
    assert not re.search(r" on[a-z]+=", page)
    for path in scripts:
        text = path.read_text()
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text), path
        assert not re.search(
            r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write", text
        ), path


def test_the_csp_blocks_an_inline_script_even_if_one_got_in(admin: Admin) -> None:
    admin.expect_console_error(r"Content Security Policy")
    page = admin.open("#/contacts")

    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.__injected = true";
            document.body.append(script);
        }"""
    )

    assert page.evaluate("() => window.__injected === undefined")


@pytest.fixture
def keyed_server(tmp_path: Path) -> Iterator[tuple[Server, str]]:
    """A server in ``api_key`` mode, and a token for workspace ``ws-keyed``."""
    database_url = f"sqlite:///{tmp_path / 'keyed.db'}"
    created = subprocess.run(
        [
            *pauhu_crm_command(),
            "keys",
            "create",
            "--workspace",
            "ws-keyed",
            "--database-url",
            database_url,
        ],
        capture_output=True,
        text=True,
        env=clean_environment(),
        check=True,
        timeout=60,
    )
    [token] = re.findall(r"token:\s+(\S+)", created.stdout)
    with running_server(database_url, tmp_path, "--auth-mode", "api_key") as server:
        yield server, token


def test_in_api_key_mode_the_key_goes_in_a_header_never_in_a_url(
    browser: Browser, keyed_server: tuple[Server, str]
) -> None:
    server, token = keyed_server
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    requests: list[tuple[str, str | None]] = []
    page.on("request", lambda r: requests.append((r.url, r.headers.get("authorization"))))
    try:
        page.goto(f"{server.base_url}/admin/")
        page.get_by_label("Workspace").fill("ws-keyed")
        page.get_by_role("button", name="Use").click()
        expect(page.get_by_role("alert")).to_contain_text("API key")  # no key yet: the API's 401

        page.get_by_label("API key").fill(token)
        page.get_by_role("button", name="Use").click()
        expect(page.get_by_text("No contacts match.")).to_be_visible()
        page.reload()  # the key is kept in this browser's storage
        expect(page.get_by_label("API key")).to_have_value(token)
        expect(page.get_by_text("No contacts match.")).to_be_visible()
    finally:
        context.close()

    api_calls = [(url, auth) for url, auth in requests if "/v1/" in url]
    assert api_calls
    assert all(token not in url for url, _ in requests)
    assert api_calls[-1][1] == f"Bearer {token}"
