"""The admin page in real headless Chromium, against a real ``pauhu-crm serve``.

One server (a temporary SQLite file) and one browser serve the whole session;
each test works in its own workspace and its own browser context, so tests
share nothing but the process. The browser is Debian's ``chromium`` (Playwright's
own download cannot run here); ``.ci/run`` installs it.

Every test's page is watched: a console error, an uncaught exception or a
dialog (``alert`` from injected markup) fails the test, unless the test says
which console error it expects (a deliberate 422 logs "Failed to load resource").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)

from tests.e2e.conftest import Server, running_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
TIMEOUT_MS = 10_000


@pytest.fixture(scope="package")
def crm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("browser")
    with running_server(f"sqlite:///{directory / 'browser.db'}", directory) as server:
        yield server


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


class Api:
    """An HTTP client for one workspace, to create the data a test looks at."""

    def __init__(self, base_url: str, workspace_id: str) -> None:
        self.client = httpx.Client(
            base_url=base_url, headers={"X-Workspace-ID": workspace_id}, timeout=10.0
        )

    def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.client.post(path, json=body) if body is not None else self.client.post(path)
        assert response.status_code in (200, 201), response.text
        result: dict[str, Any] = response.json()
        return result

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        response = self.client.get(path, params=params)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture
def api(crm_server: Server, workspace_id: str) -> Iterator[Api]:
    created = Api(crm_server.base_url, workspace_id)
    yield created
    created.client.close()


class Admin:
    """A browser page on ``/admin/`` for one workspace, watched for errors and dialogs."""

    def __init__(self, page: Page, base_url: str, workspace_id: str) -> None:
        self.page = page
        self.base_url = base_url
        self.workspace_id = workspace_id
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []
        self.expected_console_errors: list[re.Pattern[str]] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("dialog", self._on_dialog)

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def expect_console_error(self, pattern: str) -> None:
        """A console error matching ``pattern`` is part of what the test does."""
        self.expected_console_errors.append(re.compile(pattern))

    def open(self, hash_: str = "#/contacts") -> Page:
        """Opens the page, picks the workspace in the page's own form, goes to ``hash_``."""
        self.page.goto(f"{self.base_url}/admin/")
        if self.page.get_by_label("Workspace").input_value() != self.workspace_id:
            self.page.get_by_label("Workspace").fill(self.workspace_id)
            self.page.get_by_role("button", name="Use").click()
        return self.go(hash_)

    def go(self, hash_: str) -> Page:
        """Goes to a view and waits until it has loaded (or shown its error)."""
        self.page.evaluate(
            """hash => new Promise(resolve => {
                if (location.hash === hash) return resolve();
                window.addEventListener("hashchange", () => resolve(), { once: true });
                location.hash = hash;
            })""",
            hash_,
        )
        self.page.wait_for_function("() => !document.querySelector('main [aria-busy], .loading')")
        return self.page

    def unexpected_errors(self) -> list[str]:
        unexpected = [
            text
            for text in self.console_errors
            if not any(p.search(text) for p in self.expected_console_errors)
        ]
        return [*unexpected, *self.page_errors, *(f"dialog {d}" for d in self.dialogs)]


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    created = browser.new_context(viewport=VIEWPORT)
    created.set_default_timeout(TIMEOUT_MS)
    yield created
    created.close()


@pytest.fixture
def admin(context: BrowserContext, crm_server: Server, workspace_id: str) -> Iterator[Admin]:
    watched = Admin(context.new_page(), crm_server.base_url, workspace_id)
    yield watched
    assert watched.unexpected_errors() == [], "the page logged errors or opened a dialog"
