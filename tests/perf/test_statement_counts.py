"""Query hygiene: no list or detail endpoint issues more SQL statements for more rows.

Architecture convention 13: a list page is one query plus one count, a detail
view a bounded number of queries — never one per row. Each endpoint is called
in a workspace holding 2 records of every kind and in one holding 20 (linked
the same way), and the statements the app's engine executes for the call are
counted with SQLAlchemy's ``before_cursor_execute`` event. Nothing is timed.

The two workspaces are seeded once per database through the library and
reused by every case (each case still gets its own app, as in ``tests/api``).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from starlette.applications import Starlette

from pauhu_crm_core import CRM

pytestmark = pytest.mark.anyio

FEW, MANY = 2, 20
STEPS = [{"subject": "Hello {{ first_name }}", "body": "A short note.", "delay_days": 0}]

Seeded = dict[str, str]
"""The seeded workspace's id and the ids the endpoints' paths need."""

_seeded: dict[tuple[str, int], Seeded] = {}
"""(database URL, rows) -> the workspace seeded there in this session."""


async def _nothing(ws: Any) -> dict[str, Any]:
    return {}


async def seed(crm: CRM, rows: int, now: datetime) -> Seeded:
    """``rows`` records of every kind, all hanging off the first company, contact, deal and
    sequence, so that their detail views and sub-lists grow with ``rows`` too."""
    workspace_id = f"ws-perf-{rows}-{uuid.uuid4().hex[:10]}"
    ws = crm.workspace(workspace_id)
    companies = [
        await ws.companies.create(name=f"Äijälä {i} Oy", domain=f"aijala-{i}.fi")
        for i in range(rows)
    ]
    company = companies[0].id
    contacts = [
        await ws.contacts.create(
            email=f"sanna.{i}@aijala.fi", first_name="Sanna", last_name="Äijälä", company_id=company
        )
        for i in range(rows)
    ]
    contact = contacts[0].id
    deals = [
        await ws.deals.create(
            name=f"Licence {i}", company_id=company, contact_id=contact, amount="1234.56"
        )
        for i in range(rows)
    ]
    deal = deals[0].id
    activities = [
        await ws.activities.create(
            contact_id=contact, company_id=company, deal_id=deal, type="call", subject="Call"
        )
        for _ in range(rows)
    ]
    tasks = [
        await ws.tasks.create(title="Follow up", due_date="2026-03-01", contact_id=contact)
        for _ in range(rows)
    ]
    sequences = [
        (await ws.sequences.create(name=f"Perf {i}", steps=STEPS)).sequence for i in range(rows)
    ]
    for each in contacts:
        await ws.sequences.enroll(sequences[0].id, contact_id=each.id)
    await ws.sequences.run()  # one outbox message and one delivery per enrolled contact
    for _ in range(rows):
        await ws.score(rescore=True)  # one score record per contact and run
    for hour in range(rows):
        await crm.jobs.run_claimed(
            "scoring", workspace_id, now - timedelta(hours=hour), runner="perf", action=_nothing
        )
    return {
        "workspace": workspace_id,
        "company": company,
        "contact": contact,
        "deal": deal,
        "activity": activities[0].id,
        "task": tasks[0].id,
        "sequence": sequences[0].id,
    }


async def seeded(app: Starlette, database_url: str, rows: int, now: datetime) -> Seeded:
    key = (database_url, rows)
    if key not in _seeded:
        _seeded[key] = await seed(app.state.crm, rows, now)
    return _seeded[key]


Path = Callable[[Seeded], str]

ENDPOINTS: list[Any] = [
    pytest.param(lambda s: "/v1/crm/contacts", id="contacts"),
    pytest.param(lambda s: "/v1/crm/contacts?q=aijala", id="contacts-search"),
    pytest.param(lambda s: f"/v1/crm/contacts/{s['contact']}", id="contact-detail"),
    pytest.param(lambda s: f"/v1/crm/contacts/{s['contact']}/scores", id="contact-scores"),
    pytest.param(lambda s: "/v1/crm/companies", id="companies"),
    pytest.param(lambda s: f"/v1/crm/companies/{s['company']}", id="company-detail"),
    pytest.param(lambda s: "/v1/crm/deals", id="deals-with-pipeline"),
    pytest.param(lambda s: f"/v1/crm/deals/{s['deal']}", id="deal-detail"),
    pytest.param(lambda s: "/v1/crm/activities", id="activities"),
    pytest.param(lambda s: f"/v1/crm/activities/{s['activity']}", id="activity"),
    pytest.param(lambda s: "/v1/crm/tasks", id="tasks"),
    pytest.param(lambda s: "/v1/crm/tasks?overdue=true", id="tasks-overdue"),
    pytest.param(lambda s: f"/v1/crm/tasks/{s['task']}", id="task"),
    pytest.param(lambda s: "/v1/sequences", id="sequences"),
    pytest.param(lambda s: f"/v1/sequences/{s['sequence']}", id="sequence-detail"),
    pytest.param(lambda s: f"/v1/sequences/{s['sequence']}/enrollments", id="enrollments"),
    pytest.param(lambda s: "/v1/outbox", id="outbox"),
    pytest.param(lambda s: "/v1/deliveries", id="deliveries"),
    pytest.param(lambda s: "/v1/jobs", id="jobs"),
    pytest.param(lambda s: "/dashboard", id="dashboard"),
    pytest.param(lambda s: "/v1/workspace", id="workspace"),
]


def repeated(few: list[str], many: list[str]) -> str:
    """The statements (first 120 characters) that ran more often in the bigger workspace."""
    short = Counter(" ".join(s.split())[:120] for s in few)
    long = Counter(" ".join(s.split())[:120] for s in many)
    return "\n".join(f"  {n}x {text}" for text, n in (long - short).items())


@contextmanager
def counting(app: Starlette) -> Iterator[list[str]]:
    """Every statement the app's engine sends to the database inside the block."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])  # (conn, cursor, statement, parameters, context, many)

    engine = app.state.crm.store.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def statements_for(app: Starlette, seeded_workspace: Seeded, path: Path) -> list[str]:
    transport = httpx.ASGITransport(app=app)
    headers = {"X-Workspace-ID": seeded_workspace["workspace"]}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://crm.test", headers=headers
    ) as client:
        url = path(seeded_workspace)
        # The first call may do one-off work (this process provisioning the workspace).
        (await client.get(url)).raise_for_status()
        with counting(app) as statements:
            response = await client.get(url)
    response.raise_for_status()
    return statements


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_an_endpoint_issues_as_many_statements_for_20_rows_as_for_2(
    app: Starlette, database_url: str, path: Path
) -> None:
    now = app.state.crm.clock.now().astimezone(UTC)
    few = await statements_for(app, await seeded(app, database_url, FEW, now), path)
    many = await statements_for(app, await seeded(app, database_url, MANY, now), path)

    endpoint = path(
        {k: "{" + k + "}" for k in ("company", "contact", "deal", "activity", "task", "sequence")}
    )
    assert len(many) == len(few), (
        f"GET {endpoint}: {len(few)} SQL statements with {FEW} rows of each kind, "
        f"{len(many)} with {MANY}; repeated more often with {MANY}:\n" + repeated(few, many)
    )
    assert few, f"GET {endpoint} issued no SQL at all: is the counter on the app's engine?"
