"""Screenshots of every admin view, for the README and docs/admin.md.

    python scripts/screenshots.py                 # a throw-away server and database
    python scripts/screenshots.py --out /tmp/shots

It starts ``pauhu-crm serve`` on a free loopback port with a temporary SQLite
file, fills workspace ``ws-pauhu`` with demo data through the API, and saves
one 1280×800 PNG per view (plus the contacts at a phone's width) with the
system Chromium (Debian package ``chromium``), driven by Playwright.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
WORKSPACE = "ws-pauhu"


@contextmanager
def serve(database: Path) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = shutil.which("pauhu-crm", path=str(Path(sys.executable).parent)) or "pauhu-crm"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAUHU_CRM_")}
    process = subprocess.Popen(
        [command, "serve", "--port", str(port), "--database-url", f"sqlite:///{database}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("pauhu-crm serve did not start")
            time.sleep(0.1)
        yield base_url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


COMPANIES: list[dict[str, Any]] = [
    {
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
        "description": "Needs on-premise, multilingual search over EUR-Lex and national "
        "legislation; GDPR and NIS2 apply. Budget approved for AI search.",
    },
    {
        "id": "comp-lexa",
        "name": "Lexa Legal Analytics GmbH",
        "domain": "lexa-legal.de",
        "industry": "legal tech",
        "size": "51-200",
        "country": "DE",
        "city": "Berlin",
        "website": "https://github.com/lexa-legal",
        "icp_tier": "tier-2",
        "is_target_account": True,
        "tags": ["legaltech"],
        "description": "Open-source case law tooling on CURIA data; data residency in the EU.",
    },
    {
        "id": "comp-baltic",
        "name": "Baltic Procurement Office",
        "domain": "bpo.lv",
        "industry": "public administration",
        "size": "250-500",
        "country": "LV",
        "city": "Riga",
        "icp_tier": "tier-2",
        "tags": ["procurement"],
        "description": "Monitors TED tenders in several languages.",
    },
    {
        "id": "comp-helios",
        "name": "Helios Health AB",
        "domain": "helioshealth.se",
        "industry": "healthcare",
        "size": "11-50",
        "country": "SE",
        "city": "Malmö",
        "icp_tier": "tier-3",
        "tags": ["health"],
    },
    {
        "id": "comp-atlantic",
        "name": "Atlantic Translation SARL",
        "domain": "atlantic-translation.fr",
        "industry": "translation",
        "size": "11-50",
        "country": "FR",
        "city": "Nantes",
        "tags": ["language-services"],
        "description": "Terminology work with IATE for law firms.",
    },
]

CONTACTS: list[dict[str, Any]] = [
    {
        "id": "abc-123",
        "first_name": "Sanna",
        "last_name": "Virtanen",
        "email": "sanna.virtanen@dvv.fi",
        "title": "Chief Data Officer",
        "company_id": "comp-dvv",
        "lifecycle_stage": "sql",
        "lead_source": "conference",
        "tags": ["gov-fi", "data-governance"],
    },
    {
        "first_name": "Mikko",
        "last_name": "Korhonen",
        "email": "mikko.korhonen@dvv.fi",
        "title": "Head of Architecture",
        "company_id": "comp-dvv",
        "lifecycle_stage": "mql",
    },
    {
        "first_name": "Jonas",
        "last_name": "Becker",
        "email": "jonas.becker@lexa-legal.de",
        "title": "CTO",
        "company_id": "comp-lexa",
        "lifecycle_stage": "opportunity",
        "lead_source": "website",
    },
    {
        "first_name": "Ieva",
        "last_name": "Ozola",
        "email": "ieva.ozola@bpo.lv",
        "title": "Procurement Director",
        "company_id": "comp-baltic",
        "lifecycle_stage": "lead",
    },
    {
        "first_name": "Astrid",
        "last_name": "Lindqvist",
        "email": "astrid@helioshealth.se",
        "title": "Operations Manager",
        "company_id": "comp-helios",
        "lifecycle_stage": "subscriber",
    },
    {
        "first_name": "Camille",
        "last_name": "Moreau",
        "email": "camille.moreau@atlantic-translation.fr",
        "title": "Founder",
        "company_id": "comp-atlantic",
        "lifecycle_stage": "customer",
    },
]

# Created after the first scoring run, so that "Score now" in the page has work to do.
LATE_CONTACTS: list[dict[str, Any]] = [
    {
        "first_name": "Elina",
        "last_name": "Mäkelä",
        "email": "elina.makela@dvv.fi",
        "title": "Legal Counsel",
        "company_id": "comp-dvv",
        "lifecycle_stage": "lead",
    },
    {
        "first_name": "Lukas",
        "last_name": "Schmidt",
        "email": "lukas@lexa-legal.de",
        "title": "Developer",
        "company_id": "comp-lexa",
        "lifecycle_stage": "subscriber",
    },
]


def seed(client: httpx.Client) -> None:
    today = dt.date.today()

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = client.post(path, json=body)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    for company in COMPANIES:
        post("/v1/crm/companies", company)
    contacts = [post("/v1/crm/contacts", contact) for contact in CONTACTS]
    ids = {c["first_name"]: c["id"] for c in contacts}
    deals = [
        ("DVV Sovereign Container - 3yr", "comp-dvv", "Sanna", "negotiation", 150000, 70),
        ("DVV terminology pilot", "comp-dvv", "Mikko", "qualified", 24000, 40),
        ("Lexa case-law search API", "comp-lexa", "Jonas", "proposal", 48000, 50),
        ("Baltic tender monitoring", "comp-baltic", "Ieva", "lead", 36000, 10),
        ("Helios document search", "comp-helios", "Astrid", "lead", 9500, 10),
        ("Atlantic IATE connector", "comp-atlantic", "Camille", "closed_won", 12000, 100),
        ("Lexa on-prem add-on", "comp-lexa", "Jonas", "closed_lost", 20000, 0),
    ]
    for name, company, person, stage, amount, probability in deals:
        post(
            "/v1/crm/deals",
            {
                "name": name,
                "company_id": company,
                "contact_id": ids[person],
                "stage": stage,
                "amount": amount,
                "probability": probability,
                "expected_close_date": str(today + dt.timedelta(days=30 + amount // 2000)),
            },
        )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    activities = [
        (
            "Sanna",
            "comp-dvv",
            "meeting",
            "Sovereign container demo",
            "Demonstrated 8-container deployment. DVV interested in air-gapped mode.",
            2,
        ),
        (
            "Sanna",
            "comp-dvv",
            "email",
            "Proposal sent",
            "Three-year proposal with on-premise installation and training.",
            1,
        ),
        (
            "Jonas",
            "comp-lexa",
            "call",
            "API pricing call",
            "Wants usage-based pricing for the CURIA search API.",
            3,
        ),
        (
            "Ieva",
            "comp-baltic",
            "note",
            "Met at Riga procurement day",
            "Interested in TED alerts in Latvian and English.",
            6,
        ),
        ("Camille", "comp-atlantic", "meeting", "Kick-off", "Connector live for 3 translators.", 9),
    ]
    for person, company, kind, subject, body, days_ago in activities:
        post(
            "/v1/crm/activities",
            {
                "contact_id": ids[person],
                "company_id": company,
                "type": kind,
                "subject": subject,
                "body": body,
                "occurred_at": (now - dt.timedelta(days=days_ago))
                .isoformat()
                .replace("+00:00", "Z"),
            },
        )
    tasks = [
        ("Send sovereign deployment proposal", "Sanna", -3, "high", "linda"),
        ("Book security review with DVV", "Mikko", -1, "medium", "linda"),
        ("Prepare Lexa API quote", "Jonas", 2, "high", "pekka"),
        ("Follow up on Baltic tender", "Ieva", 7, "medium", "pekka"),
        ("Ask Camille for a reference", "Camille", 14, "low", "linda"),
    ]
    for title, person, due, priority, owner in tasks:
        post(
            "/v1/crm/tasks",
            {
                "title": title,
                "contact_id": ids[person],
                "due_date": str(today + dt.timedelta(days=due)),
                "priority": priority,
                "assigned_to": owner,
            },
        )
    client.post("/score").raise_for_status()
    for contact in LATE_CONTACTS:
        post("/v1/crm/contacts", contact)


def shoot(page: Page, base_url: str, out: Path) -> list[Path]:
    saved = []

    def open_view(hash_: str, ready: str) -> None:
        page.goto(f"{base_url}/admin/{hash_}")
        page.locator(ready).first.wait_for()
        page.wait_for_load_state("networkidle")

    def save(name: str) -> None:
        path = out / f"admin-{name}.png"
        page.mouse.move(0, 0)
        page.screenshot(path=path)
        saved.append(path)

    page.goto(f"{base_url}/admin/")
    page.get_by_label("Workspace").fill(WORKSPACE)
    page.get_by_role("button", name="Use").click()

    open_view("#/contacts", "table")
    save("contacts")
    open_view("#/contacts/abc-123", ".timeline")
    save("contact-detail")
    open_view("#/contacts/abc-123/edit", "form.record-form")
    page.get_by_label("E-mail").fill("sanna.virtanen@")
    page.get_by_role("button", name="Save contact").click()
    page.locator(".field-error:not(:empty)").first.wait_for()
    save("contact-form")
    open_view("#/companies", "table")
    save("companies")
    open_view("#/companies/comp-dvv", ".timeline")
    save("company-detail")
    open_view("#/deals", ".deal-card")
    save("deals")
    open_view("#/activities", ".timeline")
    save("activities")
    open_view("#/tasks", "table")
    save("tasks")
    open_view("#/scoring", ".chart")
    page.get_by_role("button", name="Score now").click()
    page.locator(".result-box").wait_for()
    page.wait_for_load_state("networkidle")
    save("scoring")
    open_view("#/sequences", ".sequence")
    page.get_by_role("button", name="Run now").click()
    page.locator(".result-box").wait_for()
    page.locator("#outbox-heading + div table").wait_for()
    save("sequences")

    page.set_viewport_size({"width": 390, "height": 844})
    open_view("#/contacts", "table")
    save("contacts-narrow")
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp) / "demo.db") as base_url:
        with httpx.Client(base_url=base_url, headers={"X-Workspace-ID": WORKSPACE}) as client:
            seed(client)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            # The contact form's shot shows a 422 on purpose; anything else is worth a look.
            page.on(
                "console",
                lambda m: (
                    m.type == "error"
                    and "status of 422" not in m.text
                    and print(f"console: {m.text}", file=sys.stderr)
                ),
            )
            page.on("pageerror", lambda e: print(f"page error: {e}", file=sys.stderr))
            try:
                for path in shoot(page, base_url, args.out):
                    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
            finally:
                browser.close()


if __name__ == "__main__":
    main()
