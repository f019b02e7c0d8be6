"""Tenant isolation over HTTP: workspace B can neither see nor touch workspace A.

Workspace A holds one record of every kind — a company, contacts, a deal, an
activity, a task, a custom sequence with enrolments, an e-mail the engine
sent (``POST /run``), a score (``POST /score``) and a scheduled job run. Then,
from workspace B, every route of the app is probed (the table is keyed by
route name, and a route without a case fails ``test_every_route_has_…``):

* reading, changing or deleting one of A's records by id → ``404``;
* naming one of A's records in a body → ``422``;
* reusing one of A's ids, e-mails or domains → accepted (a ``409`` would
  reveal that A has it);
* no response body to B ever holds one of A's ids or A's marker string,
  unless B's own request held it;
* afterwards, A reads back exactly what it had.

In ``api_key`` mode a key of A sent with ``X-Workspace-ID: B`` gets ``403`` on
every route that takes a workspace, while A's key keeps working for A.

The API's own guarantee is by construction (every repository is bound to one
workspace, every foreign key carries ``workspace_id``); this suite checks it
from the outside, route by route.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from attrs import field, frozen
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from pauhu_crm_apps.api import create_app
from pauhu_crm_apps.settings import Settings
from pauhu_crm_core import CRM
from pauhu_crm_core.testing import FrozenClock
from pauhu_crm_core.unsubscribe import make_token

from .conftest import client_for, suite_settings

pytestmark = pytest.mark.anyio

POSTGRES_URL_VARIABLE = "PAUHU_CRM_TEST_POSTGRES_URL"
MARKER = "zqxalpha"
"""In every name, subject and address of workspace A: it must never reach B."""

PUBLIC_ROUTES = {"health", "openapi", "unsubscribe_page", "unsubscribe"}
"""Routes without a workspace (API.md §0): the rest must all refuse a foreign key."""
PUBLIC_MOUNTS = {"/admin"}
"""Mounted apps serving static pages; the page's data comes through the API routes."""

STEPS = [
    {"subject": f"{MARKER} hello", "body": "{{ unsubscribe_url }}", "delay_days": 0},
    {"subject": f"{MARKER} again", "body": "{{ unsubscribe_url }}", "delay_days": 3},
]


@frozen
class Probe:
    """One request from B. ``@name`` in the path or a body value is the id ``name``."""

    method: str
    path: str
    status: int
    body: dict[str, Any] | None = None
    empty: str | None = field(default=None, kw_only=True)
    """A list key whose page must be empty (``total`` 0)."""
    csv: str | None = field(default=None, kw_only=True)
    """A CSV body (sent as ``text/csv``) instead of a JSON one."""
    counts: dict[str, int] | None = field(default=None, kw_only=True)
    """Counts the JSON answer must have (an import's report)."""


def get(path: str, status: int = 200, *, empty: str | None = None) -> Probe:
    return Probe("GET", path, status, empty=empty)


def csv_import(resource: str, text: str, **counts: int) -> Probe:
    return Probe("POST", f"/v1/crm/import/{resource}", 200, csv=text, counts=counts)


A_RECORDS = {
    "contacts": "contact",
    "companies": "company",
    "deals": "deal",
    "activities": "activity",
    "tasks": "task",
}


def _record_cases() -> dict[str, list[Probe]]:
    """The five routes of each CRM record kind."""
    refs = {  # each body reference to A's records that the kind accepts
        "contacts": [{"company_id": "@company"}],
        "companies": [],
        "deals": [{"company_id": "@company"}, {"contact_id": "@contact"}],
        "activities": [
            {"contact_id": "@contact"},
            {"company_id": "@company"},
            {"deal_id": "@deal"},
        ],
        "tasks": [{"contact_id": "@contact"}, {"company_id": "@company"}, {"deal_id": "@deal"}],
    }
    fields = {
        "contacts": {"first_name": "B"},
        "companies": {"name": "B Oy"},
        "deals": {"name": "B deal"},
        "activities": {"subject": "B note"},
        "tasks": {"title": "B task"},
    }
    unique = {  # A's unique values, reused in B: accepted (a 409 would reveal them)
        "contacts": {"email": f"sanna@{MARKER}.fi"},
        "companies": {"domain": f"{MARKER}.fi"},
    }
    cases: dict[str, list[Probe]] = {}
    for plural, kind in A_RECORDS.items():
        path = f"/v1/crm/{plural}"
        item, mine = f"{path}/@{kind}", f"{path}/@b_{kind}"
        by_ref = [
            get(f"{path}?{k}={v}", empty=plural) for ref in refs[plural] for k, v in ref.items()
        ]
        cases[f"list_{plural}"] = [get(path), *by_ref]
        cases[f"create_{plural}"] = [
            *(Probe("POST", path, 422, {**fields[plural], **ref}) for ref in refs[plural]),
            # A's id (and unique values) in B: B's own record, which B may then delete.
            Probe(
                "POST", path, 201, {"id": f"@{kind}", **fields[plural], **unique.get(plural, {})}
            ),
            Probe("DELETE", item, 200),
        ]
        cases[f"get_{plural}"] = [get(item, 404)]
        cases[f"update_{plural}"] = [
            Probe("PUT", item, 404, fields[plural]),
            *(Probe("PUT", mine, 422, ref) for ref in refs[plural]),
        ]
        cases[f"delete_{plural}"] = [Probe("DELETE", item, 404)]
    cases["list_contacts"] += [
        get(f"/v1/crm/contacts?q={MARKER}", empty="contacts"),
        get("/v1/crm/contacts?q=sanna", empty="contacts"),
        get("/v1/crm/contacts?stage=subscriber&segment=hot", empty="contacts"),
    ]
    cases["list_companies"] += [
        get(f"/v1/crm/companies?q={MARKER}", empty="companies"),
        get("/v1/crm/companies?target=true", empty="companies"),
        get("/v1/crm/companies?icp_tier=tier-1", empty="companies"),
    ]
    cases["list_deals"].append(get("/v1/crm/deals?stage=qualified", empty="deals"))
    cases["list_tasks"].append(get("/v1/crm/tasks?overdue=true", empty="tasks"))
    return cases


STEP_BODY = {"steps": [{"subject": "B", "body": "{{ unsubscribe_url }}", "delay_days": 0}]}
CASES: dict[str, list[Probe]] = {
    **_record_cases(),
    "get_workspace": [get("/v1/workspace")],
    "update_workspace": [Probe("PUT", "/v1/workspace", 200, {"name": "B's"})],
    "list_sequences": [get("/v1/sequences")],
    "create_sequences": [  # A's sequence id again, in B: accepted
        Probe("POST", "/v1/sequences", 201, {"id": "@sequence", "name": "B's", **STEP_BODY})
    ],
    "get_sequences": [get("/v1/sequences/@sequence", 404)],
    "update_sequences": [Probe("PUT", "/v1/sequences/@sequence", 404, {"status": "paused"})],
    "create_enrollments": [
        Probe("POST", "/v1/sequences/@sequence/enrollments", 404, {"contact_id": "@b_contact"}),
        Probe(
            "POST", "/v1/sequences/seq-hot-sovereign/enrollments", 422, {"contact_id": "@contact2"}
        ),
    ],
    "list_enrollments": [
        get("/v1/sequences/@sequence/enrollments", 404),
        get("/v1/sequences/seq-hot-sovereign/enrollments", empty="enrollments"),
    ],
    "delete_enrollments": [
        Probe("DELETE", "/v1/sequences/@sequence/enrollments/@contact", 404),
        Probe("DELETE", "/v1/sequences/seq-hot-sovereign/enrollments/@contact", 404),
    ],
    "run_sequences": [Probe("POST", "/run", 200)],
    "list_outbox": [get("/v1/outbox", empty="outbox")],
    "list_deliveries": [get("/v1/deliveries", empty="deliveries")],
    "retry_deliveries": [Probe("POST", "/v1/deliveries/@delivery/retry", 404)],
    "run_scoring": [Probe("POST", "/score", 200), Probe("POST", "/score?rescore=true", 200)],
    "dashboard": [get("/dashboard")],
    "list_scores": [get("/v1/crm/contacts/@contact/scores", 404)],
    "list_jobs": [get("/v1/jobs", empty="jobs")],
    # The GDPR routes (they run once the app serves them).
    "export_contact": [get("/v1/crm/contacts/@contact/export", 404)],
    "erase_contact": [Probe("POST", "/v1/crm/contacts/@contact/erase", 404)],
    "list_audit": [get("/v1/audit")],
    # Import and export: A's e-mail or domain imported into B is created in B (a skip would
    # reveal that A has it); A's company, by id or by domain, is no company of B's.
    "import_contacts": [
        csv_import("contacts", f"email\nsanna@{MARKER}.fi\n", created=1),
        csv_import("contacts", "email,company_id\nb@b.fi,@company\n", failed=1),
        csv_import("contacts", f"company_domain\n{MARKER}.fi\n", failed=1),
    ],
    "import_companies": [csv_import("companies", f"domain\n{MARKER}.fi\n", created=1)],
    **{
        f"export_{plural}": [
            get(f"/v1/crm/export/{plural}"),
            get(f"/v1/crm/export/{plural}?format=jsonl"),
        ]
        for plural in ("contacts", "companies", "deals", "activities")
    },
    # Public: no workspace. B cannot forge A's unsubscribe link without the secret.
    "health": [get("/health")],
    "openapi": [get("/openapi.json")],
    "unsubscribe_page": [get("/unsubscribe?token=@forged_token", 400)],
    "unsubscribe": [Probe("POST", "/unsubscribe?token=@forged_token", 400)],
}

SERVED = create_app(Settings()).routes  # built, not started: nothing is opened
ROUTE_NAMES = {route.name for route in SERVED if isinstance(route, Route)}


def test_every_route_has_an_isolation_case() -> None:
    missing = sorted(ROUTE_NAMES - set(CASES))
    assert not missing, f"routes without a tenant-isolation case: {missing}"
    mounts = {route.path for route in SERVED if isinstance(route, Mount)}
    assert mounts <= PUBLIC_MOUNTS
    assert all(CASES[name] for name in ROUTE_NAMES)


# -- workspace A, once per backend -------------------------------------------------


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ],
)
def backend_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("isolation") / "isolation.db"
        return f"sqlite:///{path}"
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set")
    return url


@pytest.fixture(scope="module")
async def crm_app(backend_url: str) -> AsyncIterator[Starlette]:
    app = create_app(suite_settings(backend_url), clock=FrozenClock())
    async with app.router.lifespan_context(app):
        yield app


def _new_workspace(name: str) -> str:
    return f"ws-{name}-{uuid.uuid4().hex[:12]}"


async def _made(client: httpx.AsyncClient, path: str, body: dict[str, Any] | None = None) -> Any:
    response = await client.post(path, json=body) if body is not None else await client.post(path)
    assert response.status_code in (200, 201), response.text
    return response.json()


@frozen
class World:
    """Workspace A, seeded once per backend, and what A reads back."""

    a: str
    ids: dict[str, str]
    snapshot: dict[str, Any]


@frozen
class Intruder:
    """A fresh workspace B per test (so one probe's writes never meet another's),
    with a record of each kind of its own."""

    b: str
    ids: dict[str, str]


async def _seed_a(app: Starlette, a: str) -> dict[str, str]:
    async with client_for(app, a) as client:
        await client.put("/v1/workspace", json={"name": f"{MARKER} workspace"})
        company = await _made(
            client,
            "/v1/crm/companies",
            {
                "name": f"{MARKER} Oy",
                "domain": f"{MARKER}.fi",
                "is_target_account": True,
                "icp_tier": "tier-1",
                "description": f"{MARKER}: EUR-Lex, on-premise, GDPR, 24 EU languages",
            },
        )
        ids = {"company": company["id"]}
        contact = {"email": f"sanna@{MARKER}.fi", "first_name": f"{MARKER}sanna"}
        ids["contact"] = (
            await _made(client, "/v1/crm/contacts", {**contact, "company_id": ids["company"]})
        )["id"]
        links = {"company_id": ids["company"], "contact_id": ids["contact"]}
        ids["deal"] = (
            await _made(
                client,
                "/v1/crm/deals",
                {"name": f"{MARKER} deal", "stage": "qualified", "amount": 4321, **links},
            )
        )["id"]
        links["deal_id"] = ids["deal"]
        ids["activity"] = (
            await _made(client, "/v1/crm/activities", {"subject": f"{MARKER} call", **links})
        )["id"]
        ids["task"] = (
            await _made(
                client,
                "/v1/crm/tasks",
                {"title": f"{MARKER} follow-up", "due_date": "2026-03-01", **links},
            )
        )["id"]
        ids["sequence"] = (
            await _made(
                client, "/v1/sequences", {"id": f"seq-{MARKER}", "name": MARKER, "steps": STEPS}
            )
        )["id"]
        enrolments = f"/v1/sequences/{ids['sequence']}/enrollments"
        ids["enrollment"] = (await _made(client, enrolments, {"contact_id": ids["contact"]}))["id"]
        assert (await _made(client, "/run"))["sent"] == 1
        ids["outbox"] = (await client.get("/v1/outbox")).json()["outbox"][0]["id"]
        ids["delivery"] = (await client.get("/v1/deliveries")).json()["deliveries"][0]["id"]
        assert (await _made(client, "/score"))["scored"] == 1
        scores = (await client.get(f"/v1/crm/contacts/{ids['contact']}/scores")).json()
        ids["score"] = scores["scores"][0]["id"]
        crm: CRM = app.state.crm
        run = await crm.jobs.run_claimed(
            "scoring", a, datetime(2026, 3, 7, 6, tzinfo=UTC), runner="isolation-test"
        )
        assert run is not None
        ids["job"] = run.id
        # Unscored, and due for the sequence's first step: B's /score and /run must not reach it.
        ids["contact2"] = (
            await _made(client, "/v1/crm/contacts", {"email": f"tuula@{MARKER}.fi"})
        )["id"]
        ids["enrollment2"] = (await _made(client, enrolments, {"contact_id": ids["contact2"]}))[
            "id"
        ]
    ids["forged_token"] = make_token("not-the-secret", a, ids["contact"])
    return ids


async def _seed_b(app: Starlette, b: str) -> dict[str, str]:
    async with client_for(app, b) as client:
        ids = {"b_company": (await _made(client, "/v1/crm/companies", {"name": "B Oy"}))["id"]}
        ids["b_contact"] = (await _made(client, "/v1/crm/contacts", {"first_name": "B"}))["id"]
        ids["b_deal"] = (await _made(client, "/v1/crm/deals", {"name": "B"}))["id"]
        ids["b_activity"] = (await _made(client, "/v1/crm/activities", {"subject": "B"}))["id"]
        ids["b_task"] = (await _made(client, "/v1/crm/tasks", {"title": "B"}))["id"]
    return ids


def _a_views(ids: dict[str, str]) -> list[str]:
    """What A reads back to see that nothing of its changed."""
    return [
        "/v1/workspace",
        *(f"/v1/crm/{plural}/{ids[kind]}" for plural, kind in A_RECORDS.items()),
        f"/v1/crm/contacts/{ids['contact2']}",
        f"/v1/sequences/{ids['sequence']}",
        f"/v1/sequences/{ids['sequence']}/enrollments",
        f"/v1/crm/contacts/{ids['contact']}/scores",
        "/v1/outbox",
        "/v1/deliveries",
        "/v1/jobs",
        "/dashboard",
    ]


async def _read_a(app: Starlette, a: str, ids: dict[str, str]) -> dict[str, Any]:
    async with client_for(app, a) as client:
        views = {}
        for path in _a_views(ids):
            response = await client.get(path)
            assert response.status_code == 200, (path, response.text)
            views[path] = response.json()
        return views


@pytest.fixture(scope="module")
async def world(crm_app: Starlette) -> World:
    a = _new_workspace("a")
    ids = await _seed_a(crm_app, a)
    return World(a, ids, await _read_a(crm_app, a, ids))


@pytest.fixture
async def intruder(crm_app: Starlette) -> Intruder:
    b = _new_workspace("b")
    return Intruder(b, await _seed_b(crm_app, b))


# -- the probes --------------------------------------------------------------------

_AT_NAME = re.compile(r"(?<!\w)@([a-z_0-9]+)")  # not the @ of an e-mail address


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _AT_NAME.sub(lambda m: ids[m[1]], value)
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    return value


def _a_secrets(world: World) -> set[str]:
    """Strings that only A has: its workspace and record ids, and the marker."""
    return {MARKER, world.a} | {v for k, v in world.ids.items() if k != "forged_token"}


@pytest.mark.parametrize("route_name", sorted(set(CASES) & ROUTE_NAMES))
async def test_workspace_b_neither_sees_nor_touches_workspace_a(
    crm_app: Starlette, world: World, intruder: Intruder, route_name: str
) -> None:
    secrets = _a_secrets(world)
    ids = {**world.ids, **intruder.ids}
    async with client_for(crm_app, intruder.b) as client:
        for probe in CASES[route_name]:
            path = _fill(probe.path, ids)
            body = _fill(probe.body, ids)
            if probe.csv is not None:
                text = _fill(probe.csv, ids)
                headers = {"Content-Type": "text/csv"}
                response = await client.request(probe.method, path, content=text, headers=headers)
                sent = (path + text).lower()
            else:
                response = await client.request(
                    probe.method, path, json=body if body is not None else None
                )
                sent = (path + (orjson.dumps(body).decode() if body is not None else "")).lower()
            seen = response.text.lower()

            assert response.status_code == probe.status, (probe, response.text)
            leaked = sorted(s for s in secrets if s.lower() in seen and s.lower() not in sent)
            assert not leaked, (probe, leaked, response.text)
            if probe.empty is not None:
                page = response.json()
                assert (page["total"], page[probe.empty]) == (0, []), (probe, page)
            if probe.counts is not None:
                answer = response.json()
                assert {k: answer[k] for k in probe.counts} == probe.counts, (probe, answer)

    assert await _read_a(crm_app, world.a, world.ids) == world.snapshot


async def test_workspace_b_pipeline_and_dashboard_count_only_b(
    crm_app: Starlette, world: World, intruder: Intruder
) -> None:
    async with client_for(crm_app, intruder.b) as client:
        deals = (await client.get("/v1/crm/deals")).json()
        dashboard = (await client.get("/dashboard")).json()

    # A's one deal is qualified with 4321 EUR: B's pipeline has only B's own lead-stage deals.
    assert [stage["stage"] for stage in deals["pipeline"]] in ([], ["lead"])
    assert all(stage["total_amount"] == 0 for stage in deals["pipeline"])
    assert all(p["id"] not in world.ids.values() for p in dashboard["top_prospects"])


# -- api_key mode: A's key is no key for B -----------------------------------------


@frozen
class KeyedApp:
    app: Starlette
    a: str
    b: str
    key_a: str


@pytest.fixture(scope="module")
async def keyed(backend_url: str) -> AsyncIterator[KeyedApp]:
    app = create_app(suite_settings(backend_url, auth_mode="api_key"), clock=FrozenClock())
    async with app.router.lifespan_context(app):
        crm: CRM = app.state.crm
        a, b = _new_workspace("key-a"), _new_workspace("key-b")
        _key, key_a = await crm.api_keys.create(a, name="isolation test")
        await crm.api_keys.create(b, name="isolation test")
        yield KeyedApp(app, a, b, key_a)


WORKSPACE_ROUTES = sorted(
    (route.name, method, route.path)
    for route in SERVED
    if isinstance(route, Route) and route.name not in PUBLIC_ROUTES
    for method in sorted((route.methods or set()) - {"HEAD"})
)


@pytest.mark.parametrize(
    ("method", "path"),
    [pytest.param(method, path, id=name) for name, method, path in WORKSPACE_ROUTES],
)
async def test_a_key_of_a_is_forbidden_for_workspace_b_on_every_route(
    keyed: KeyedApp, method: str, path: str
) -> None:
    concrete = re.sub(r"\{[^}]+\}", "x", path)
    body: dict[str, Any] | None = {} if method in ("POST", "PUT") else None

    async with client_for(keyed.app) as client:

        async def send(workspace: str) -> httpx.Response:
            headers = {"X-Workspace-ID": workspace, "Authorization": f"Bearer {keyed.key_a}"}
            return await client.request(method, concrete, headers=headers, json=body)

        foreign = await send(keyed.b)
        own = await send(keyed.a)

    assert foreign.status_code == 403, foreign.text
    assert foreign.json()["error"]["code"] == "forbidden"
    assert keyed.key_a not in foreign.text
    assert own.status_code not in (401, 403), own.text


@pytest.mark.parametrize("route_name", sorted(PUBLIC_ROUTES & ROUTE_NAMES))
async def test_public_routes_need_no_key(keyed: KeyedApp, route_name: str) -> None:
    [route] = [r for r in SERVED if isinstance(r, Route) and r.name == route_name]
    [method] = sorted((route.methods or set()) - {"HEAD"})

    async with client_for(keyed.app) as client:
        response = await client.request(method, route.path + "?token=x")

    assert response.status_code in (200, 400)
