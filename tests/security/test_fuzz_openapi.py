"""Schema-driven fuzzing: every operation of ``/openapi.json``, driven by schemathesis.

The app is driven in-process over ASGI (schemathesis' own transport, which
runs the app's lifespan), in a fresh workspace per run, on SQLite and — when
``PAUHU_CRM_TEST_POSTGRES_URL`` is set — on PostgreSQL. Each operation gets
valid (``positive``) and invalid (``negative``) requests; whatever they hold,
the answer must

* never be a 5xx (``not_a_server_error``),
* have a status code the document declares for the operation,
* have the declared media type, and
* match the schema declared for that status (errors included).

Path ids are random strings — which only reach the "not found" branch — or,
half of the time, records made for the test, so that reads, updates and
deletes of real rows are fuzzed too; body references (``company_id``, …) are
aimed at real records the same way. Examples are bounded and derandomised so
the file takes well under a minute per backend.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.schemas import OpenApiSchema
from starlette.applications import Starlette
from starlette.routing import Route

from pauhu_crm_apps.api import create_app
from pauhu_crm_apps.settings import Settings

from .conftest import suite_settings

POSTGRES_URL_VARIABLE = "PAUHU_CRM_TEST_POSTGRES_URL"
MAX_EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 12}
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
# The document names each operation after its route, so the routes are the operations
# (the app is built without its lifespan here: nothing is opened). schemathesis leaves
# out the document's own path; tests/api/test_openapi.py checks that one.
OPERATION_IDS = sorted(
    route.name
    for route in create_app(Settings()).routes
    if isinstance(route, Route) and route.path != "/openapi.json"
)
# Which seeded record a path segment's ``{id}`` may name, and which a body reference may.
RECORD_BY_SEGMENT = {
    "contacts": "contact",
    "companies": "company",
    "deals": "deal",
    "activities": "activity",
    "tasks": "task",
    "sequences": "sequence",
    "enrollments": "contact",
    "deliveries": "delivery",
}
RECORD_BY_FIELD = {
    "company_id": "company",
    "contact_id": "contact",
    "deal_id": "deal",
}


class FuzzTarget:
    """The app under fuzzing, its OpenAPI schema and the workspace of this run."""

    def __init__(self, app: Starlette, schema: OpenApiSchema) -> None:
        self.app = app
        self.schema = schema
        self.workspace_id = f"ws-fuzz-{uuid.uuid4().hex[:12]}"
        self.headers = {"X-Workspace-ID": self.workspace_id}
        self._shared: dict[str, str] | None = None

    def records(self, operation_id: str, method: str) -> dict[str, str]:
        """Records for an operation to aim at: its own when it deletes, else shared ones
        (updates may change those, which only varies what later operations meet)."""
        if method == "DELETE" or "erase" in operation_id:
            return self.seed()
        if self._shared is None:
            self._shared = self.seed()
        return self._shared

    def post(
        self, path: str, body: dict[str, Any] | None = None, **path_parameters: str
    ) -> dict[str, Any]:
        operation = self.schema[path]["POST"]
        if body is None:
            case = operation.Case(path_parameters=path_parameters)
        else:
            case = operation.Case(
                path_parameters=path_parameters, body=body, media_type="application/json"
            )
        response = case.call(headers=self.headers)
        assert response.status_code in (200, 201), response.text
        answer: dict[str, Any] = response.json()
        return answer

    def seed(self) -> dict[str, str]:
        """Fresh records of every kind the paths and bodies can name; their ids by kind."""
        tag = uuid.uuid4().hex[:8]
        company = self.post("/v1/crm/companies", {"name": "Fuzz Oy", "domain": f"{tag}.fi"})
        contact = self.post(
            "/v1/crm/contacts",
            {"email": f"fuzz-{tag}@{tag}.fi", "first_name": "Fuzz", "company_id": company["id"]},
        )
        ids = {"company": company["id"], "contact": contact["id"]}
        ids["deal"] = self.post("/v1/crm/deals", {"name": "Fuzz deal", **_refs(ids)})["id"]
        ids["activity"] = self.post("/v1/crm/activities", {"subject": "Fuzz", **_refs(ids)})["id"]
        ids["task"] = self.post("/v1/crm/tasks", {"title": "Fuzz", **_refs(ids)})["id"]
        steps = [
            {"subject": "Hei {{ first_name }}", "body": "{{ unsubscribe_url }}", "delay_days": 0}
        ]
        ids["sequence"] = self.post("/v1/sequences", {"name": "Fuzz", "steps": steps})["id"]
        self.post(
            "/v1/sequences/{id}/enrollments", {"contact_id": contact["id"]}, id=ids["sequence"]
        )
        self.post("/run")
        deliveries = self.schema["/v1/deliveries"]["GET"].Case().call(headers=self.headers)
        ids["delivery"] = deliveries.json()["deliveries"][0]["id"]
        return ids


def _refs(ids: dict[str, str]) -> dict[str, str]:
    return {"company_id": ids["company"], "contact_id": ids["contact"]}


def _database_urls() -> Iterator[Any]:
    yield pytest.param("sqlite", id="sqlite")
    yield pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)


@pytest.fixture(scope="module", params=list(_database_urls()))
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> FuzzTarget:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
        database_url = f"sqlite:///{path}"
    else:
        url = os.environ.get(POSTGRES_URL_VARIABLE)
        if not url:
            pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set")
        database_url = url
    # schemathesis runs the app's lifespan on its own event loop; its pytest plugin
    # ends it after each test.
    app = create_app(suite_settings(database_url))
    return FuzzTarget(app, schemathesis.openapi.from_asgi("/openapi.json", app))


def test_every_route_is_an_operation_of_the_document(target: FuzzTarget) -> None:
    results = list(target.schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]

    assert len(operations) == len(results)  # every operation of the document is usable
    assert {op.definition.raw.get("operationId") for op in operations} == set(OPERATION_IDS)


def _aim_at_records(case: Any, data: st.DataObject, ids: dict[str, str]) -> None:
    """Half the time, point path ids and body references at records that exist."""
    segments = case.operation.path.split("/")
    for name in list(case.path_parameters or {}):
        segment = segments[segments.index("{" + name + "}") - 1]
        kind = "contact" if name == "contact_id" else RECORD_BY_SEGMENT.get(segment)
        if kind and data.draw(st.booleans(), label=f"real {name}"):
            case.path_parameters[name] = ids[kind]
    if isinstance(case.body, dict):
        for field, kind in RECORD_BY_FIELD.items():
            if field in case.body and data.draw(st.booleans(), label=f"real {field}"):
                case.body[field] = ids[kind]


def _fuzz(target: FuzzTarget, operation: Any, mode: GenerationMode, ids: dict[str, str]) -> None:
    # Negative cases may break the workspace header too (400 or 401 is the right answer);
    # positive ones always work in the run's workspace, where the seeded records are.
    headers = target.headers if mode is GenerationMode.POSITIVE else None
    strategy = operation.as_strategy(generation_mode=mode, headers=headers)

    @settings(
        max_examples=MAX_EXAMPLES[mode],
        derandomize=True,
        deadline=None,
        database=None,
        # Shrinking a failure is worth its time; searching for more of them is not, here.
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, data=st.data())
    def answers_within_contract(case: Any, data: st.DataObject) -> None:
        _aim_at_records(case, data, ids)
        case.call_and_validate(headers=headers, checks=CHECKS)

    answers_within_contract()


# /health takes no parameter, header or body: there is nothing to break.
WITHOUT_INPUT = {"health"}


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_operation_answers_valid_and_invalid_requests_within_its_contract(
    target: FuzzTarget, operation_id: str
) -> None:
    operation = target.schema.find_operation_by_id(operation_id)
    ids = target.records(operation_id, operation.method.upper())

    _fuzz(target, operation, GenerationMode.POSITIVE, ids)
    if operation_id not in WITHOUT_INPUT:
        _fuzz(target, operation, GenerationMode.NEGATIVE, ids)


# -- what the fuzzer found, pinned (each was a 500) -----------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param("GET", "/v1/crm/contacts?q=ab%00cd", None, id="search-term"),
        pytest.param("GET", "/v1/crm/companies?q=%00%00%00", None, id="short-search-term"),
        pytest.param("POST", "/v1/crm/contacts", {"first_name": "a\x00b"}, id="name"),
        pytest.param("POST", "/v1/crm/activities", {"body": "\x00"}, id="long-text"),
        pytest.param("POST", "/v1/crm/companies", {"tags": ["a\x00"]}, id="tag"),
        pytest.param("PUT", "/v1/workspace", {"name": "\x00"}, id="workspace-name"),
    ],
)
async def test_text_with_a_nul_character_is_refused_not_stored(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    """PostgreSQL refuses U+0000 in text and SQLite's FTS5 stops at it: both were 500s."""
    response = await client.request(method, path, json=body)

    assert response.status_code == 422, response.text
    assert "NUL" in response.json()["error"]["details"][0]["message"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "custom_fields",
    [
        pytest.param({"n": 1e20}, id="float-jsonb-returns-as-a-21-digit-integer"),
        pytest.param({"n": [2**64]}, id="integer-past-64-bits"),
        pytest.param({"k": "\x00"}, id="nul-in-a-value"),
    ],
)
async def test_a_json_field_the_api_could_not_give_back_is_refused(
    client: httpx.AsyncClient, custom_fields: dict[str, Any]
) -> None:
    """1e20 was stored, came back from JSONB as 100000000000000000000, and every list
    holding the record answered 500 (orjson encodes 64-bit integers at most)."""
    created = await client.post(
        "/v1/crm/companies", json={"name": "Big Oy", "custom_fields": custom_fields}
    )
    listed = await client.get("/v1/crm/companies")

    assert created.status_code == 422, created.text
    assert created.json()["error"]["details"][0]["field"].startswith("custom_fields.")
    assert listed.status_code == 200
