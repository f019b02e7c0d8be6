"""``/openapi.json`` is a valid OpenAPI 3.1 document that tells the truth about the app.

It describes exactly the routes the app serves, asks for ``X-Workspace-ID``
wherever the API does, and real responses (successes and errors alike) match
the schemas it declares for their operation and status.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import attrs
import httpx
import orjson
import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from starlette.applications import Starlette
from starlette.routing import Route

from pauhu_crm_apps.api import create_app
from pauhu_crm_apps.settings import Settings

pytestmark = pytest.mark.anyio

SPEC_URI = "urn:pauhu-crm:openapi"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# API.md §0: everything needs X-Workspace-ID except these (the unsubscribe link is
# followed from an e-mail, so it carries a signed token instead).
WITHOUT_WORKSPACE = {"/health", "/openapi.json", "/unsubscribe"}


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[Starlette]:
    app = create_app(Settings(database_url=database_url))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: Starlette, workspace_id: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://crm.test", headers={"X-Workspace-ID": workspace_id}
    ) as client:
        yield client


@pytest.fixture
async def spec(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def operations(spec: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Each operation by its id: its path, method and description."""
    return {
        operation["operationId"]: (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (``#/components/...``) of an OpenAPI object."""
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def pointer(*parts: str) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def response_validator(spec: dict[str, Any], operation_id: str, status: int) -> OAS31Validator:
    """A validator for the JSON body the spec declares for ``operation_id`` and ``status``."""
    path, method, operation = operations(spec)[operation_id]
    declared = operation["responses"]
    assert str(status) in declared, f"{operation_id} does not declare a {status} response"
    location = pointer("paths", path, method, "responses", str(status))
    if "$ref" in declared[str(status)]:
        location = declared[str(status)]["$ref"].removeprefix("#")
    assert "application/json" in resolve(spec, declared[str(status)])["content"]
    return _validator(spec, location + pointer("content", "application/json", "schema"))


def request_validator(spec: dict[str, Any], operation_id: str) -> OAS31Validator:
    path, method, _ = operations(spec)[operation_id]
    location = pointer("paths", path, method, "requestBody", "content", "application/json")
    return _validator(spec, location + pointer("schema"))


def _validator(spec: dict[str, Any], location: str) -> OAS31Validator:
    # The schema is a $ref into the whole document, so its `#/components/...` refs resolve.
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(spec))
    return OAS31Validator(
        {"$ref": f"{SPEC_URI}#{location}"},
        registry=registry,
        format_checker=OAS31Validator.FORMAT_CHECKER,
    )


def violations(validator: OAS31Validator, instance: Any) -> list[str]:
    return sorted(
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in validator.iter_errors(instance)
    )


async def test_the_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    validate(spec)

    assert spec["openapi"].startswith("3.1")


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


async def test_every_reference_points_at_something_the_document_defines(
    spec: dict[str, Any],
) -> None:
    # The validator checks the document's shape, not that each $ref has a target: a
    # dangling one (a body's nested schema never added to components) passed it.
    dangling = []
    for ref in set(_refs(spec)):
        target: Any = spec
        for part in ref.removeprefix("#/").split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        if target is None:
            dangling.append(ref)

    assert dangling == []


async def test_the_document_describes_exactly_the_routes_the_app_serves(
    app: Starlette, spec: dict[str, Any]
) -> None:
    served = {
        (route.path, method.lower())
        for route in app.routes
        if isinstance(route, Route)
        for method in (route.methods or set()) - {"HEAD"}
    }
    described = {(path, method) for path, method, _ in operations(spec).values()}

    assert described == served


async def test_every_operation_but_health_the_document_and_unsubscribe_needs_the_workspace(
    spec: dict[str, Any],
) -> None:
    def asks_for_workspace(operation: dict[str, Any]) -> bool:
        parameters = [resolve(spec, p) for p in operation.get("parameters", [])]
        return any(
            p["in"] == "header" and p["name"] == "X-Workspace-ID" and p["required"]
            for p in parameters
        )

    without = {
        path
        for path, _, operation in operations(spec).values()
        if not asks_for_workspace(operation)
    }

    assert without == WITHOUT_WORKSPACE


# One record of each kind with every optional field filled; each test has its own workspace.
FULL_RECORDS: dict[str, dict[str, Any]] = {
    "companies": {
        "id": "comp-1",
        "name": "Digital and Population Data Services Agency",
        "domain": "dvv.fi",
        "industry": "government",
        "size": "1000+",
        "country": "FI",
        "city": "Helsinki",
        "website": "https://dvv.fi",
        "linkedin_url": "https://www.linkedin.com/company/dvv",
        "description": "Keeps the population register.",
        "icp_tier": "tier-1",
        "is_target_account": True,
        "owner_id": "linda",
        "tags": ["gov-fi", "digital-services"],
        "custom_fields": {"employees": 1200},
    },
    "contacts": {
        "id": "contact-1",
        "email": "sanna.virtanen@dvv.fi",
        "first_name": "Sanna",
        "last_name": "Virtanen",
        "phone": "+358 40 123 4567",
        "title": "Chief Data Officer",
        "company_id": "comp-1",
        "lifecycle_stage": "lead",
        "lead_score": 85,
        "lead_source": "conference",
        "owner_id": "linda",
        "tags": ["gov-fi", "data-governance"],
        "custom_fields": {"language": "fi"},
    },
    "deals": {
        "id": "deal-1",
        "name": "DVV Sovereign Container - 3yr",
        "company_id": "comp-1",
        "contact_id": "contact-1",
        "stage": "closed_lost",
        "amount": 150000.5,
        "currency": "EUR",
        "probability": 40,
        "expected_close_date": "2026-09-01",
        "actual_close_date": "2026-08-15",
        "lost_reason": "Budget moved to next year.",
        "owner_id": "linda",
    },
    "activities": {
        "id": "activity-1",
        "contact_id": "contact-1",
        "company_id": "comp-1",
        "deal_id": "deal-1",
        "type": "meeting",
        "subject": "Sovereign container demo",
        "body": "Demonstrated 8-container deployment.",
        "metadata": {"room": "B2"},
        "occurred_at": "2026-03-07T10:00:00Z",
        "created_by": "linda",
    },
    "tasks": {
        "id": "task-1",
        "title": "Send sovereign deployment proposal",
        "description": "Include the air-gapped option.",
        "contact_id": "contact-1",
        "company_id": "comp-1",
        "deal_id": "deal-1",
        "due_date": "2026-03-14",
        "priority": "high",
        "status": "done",
        "assigned_to": "linda",
    },
}

# A second full record, for the create cases: new id, and new values where they are unique.
SECOND_RECORDS: dict[str, dict[str, Any]] = {
    plural: {**body, "id": body["id"].replace("-1", "-2")} for plural, body in FULL_RECORDS.items()
}
SECOND_RECORDS["companies"]["domain"] = "europa.eu"
SECOND_RECORDS["contacts"]["email"] = "linda@dvv.fi"

# Every changeable field given a new value (including nulls, which clear).
CHANGES: dict[str, dict[str, Any]] = {
    "companies": {
        **{k: v for k, v in FULL_RECORDS["companies"].items() if k != "id"},
        "name": "DVV",
        "icp_tier": None,
    },
    "contacts": {
        **{k: v for k, v in FULL_RECORDS["contacts"].items() if k != "id"},
        "lifecycle_stage": "sql",
        "phone": None,
    },
    "deals": {
        **{k: v for k, v in FULL_RECORDS["deals"].items() if k != "id"},
        "stage": "negotiation",
        "actual_close_date": None,
        "lost_reason": None,
    },
    "activities": {
        **{k: v for k, v in FULL_RECORDS["activities"].items() if k != "id"},
        "type": "call",
    },
    "tasks": {
        **{k: v for k, v in FULL_RECORDS["tasks"].items() if k != "id"},
        "status": "in_progress",
    },
}


@attrs.frozen
class Call:
    operation: str
    status: int
    method: str
    path: str
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = attrs.Factory(dict)


def record_calls(plural: str) -> list[Any]:
    path = f"/v1/crm/{plural}"
    item = f"{path}/{FULL_RECORDS[plural]['id']}"
    missing = f"{path}/no-such-id"
    existing_id = (
        {"id": FULL_RECORDS[plural]["id"], "title": "A task"}
        if plural == "tasks"
        else {"id": FULL_RECORDS[plural]["id"]}
    )
    calls = [
        Call(f"create_{plural}", 201, "POST", path, SECOND_RECORDS[plural]),
        Call(f"get_{plural}", 200, "GET", item),
        Call(f"list_{plural}", 200, "GET", path),
        Call(f"update_{plural}", 200, "PUT", item, CHANGES[plural]),
        Call(f"delete_{plural}", 200, "DELETE", item),
        Call(f"get_{plural}", 404, "GET", missing),
        Call(f"update_{plural}", 404, "PUT", missing, {}),
        Call(f"delete_{plural}", 404, "DELETE", missing),
        Call(f"create_{plural}", 409, "POST", path, existing_id),
        Call(f"create_{plural}", 422, "POST", path, {"no_such_field": 1}),
        Call(f"update_{plural}", 422, "PUT", item, {"created_at": "2026-01-01T00:00:00Z"}),
        Call(f"list_{plural}", 422, "GET", f"{path}?limit=0"),
    ]
    return [pytest.param(call, id=f"{call.operation} {call.status}") for call in calls]


CALLS = [
    *(param for plural in FULL_RECORDS for param in record_calls(plural)),
    pytest.param(Call("health", 200, "GET", "/health"), id="health 200"),
    pytest.param(Call("openapi", 200, "GET", "/openapi.json"), id="openapi 200"),
    pytest.param(Call("get_workspace", 200, "GET", "/v1/workspace"), id="get_workspace 200"),
    pytest.param(
        Call(
            "update_workspace",
            200,
            "PUT",
            "/v1/workspace",
            {"name": "Pauhu", "timezone": "Europe/Stockholm", "auto_enroll": False},
        ),
        id="update_workspace 200",
    ),
    pytest.param(
        Call("update_workspace", 422, "PUT", "/v1/workspace", {"timezone": "Mars/Olympus"}),
        id="update_workspace 422",
    ),
    pytest.param(
        Call("list_contacts", 401, "GET", "/v1/crm/contacts", headers={"X-Workspace-ID": ""}),
        id="list_contacts 401",
    ),
    pytest.param(
        Call("list_contacts", 400, "GET", "/v1/crm/contacts", headers={"X-Workspace-ID": "WS"}),
        id="list_contacts 400",
    ),
    pytest.param(
        Call(
            "create_contacts",
            400,
            "POST",
            "/v1/crm/contacts",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        ),
        id="create_contacts 400",
    ),
    pytest.param(
        Call(
            "create_contacts",
            415,
            "POST",
            "/v1/crm/contacts",
            content=b"first_name=Sanna",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        id="create_contacts 415",
    ),
    pytest.param(
        Call(
            "create_contacts",
            413,
            "POST",
            "/v1/crm/contacts",
            {"custom_fields": {"notes": "x" * (1024 * 1024)}},
        ),
        id="create_contacts 413",
    ),
]


@pytest.fixture
async def records(client: httpx.AsyncClient) -> None:
    """One full record of each kind, linked to each other, in the test's workspace."""
    for plural, body in FULL_RECORDS.items():
        response = await client.post(f"/v1/crm/{plural}", json=body)
        assert response.status_code == 201, response.text


@pytest.mark.usefixtures("records")
@pytest.mark.parametrize("call", CALLS)
async def test_real_responses_match_their_declared_schemas(
    client: httpx.AsyncClient, spec: dict[str, Any], call: Call
) -> None:
    headers = dict(call.headers)
    content = call.content
    if call.json is not None:
        content = orjson.dumps(call.json)
        headers.setdefault("Content-Type", "application/json")
        if call.status < 400:  # the bodies the tests send are ones the spec allows
            assert violations(request_validator(spec, call.operation), call.json) == []

    response = await client.request(call.method, call.path, content=content, headers=headers)

    assert response.status_code == call.status, response.text
    assert response.headers["content-type"].startswith("application/json")
    validator = response_validator(spec, call.operation, call.status)
    assert violations(validator, response.json()) == []
