"""``POST /v1/crm/import/…`` and ``GET /v1/crm/export/…`` over HTTP (issue 10, item 1)."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import orjson
import pytest

from pauhu_crm_apps.api.routes import transfer as transfer_routes
from pauhu_crm_apps.settings import Settings

pytestmark = pytest.mark.anyio

CSV = {"Content-Type": "text/csv"}


async def import_csv(
    client: httpx.AsyncClient, text: str | bytes, resource: str = "contacts", **params: Any
) -> httpx.Response:
    return await client.post(f"/v1/crm/import/{resource}", content=text, headers=CSV, params=params)


def fields_of(response: httpx.Response) -> list[str]:
    return [detail["field"] for detail in response.json()["error"]["details"]]


async def test_an_import_answers_its_report_with_row_errors(client: httpx.AsyncClient) -> None:
    text = "Mail,first_name,lead_score\nsanna@dvv.fi,Sanna,10\nbad,X,\n"

    response = await import_csv(client, text, map="Mail=email")

    assert response.status_code == 200, response.text
    report = response.json()
    assert {k: report[k] for k in ("rows", "created", "failed", "dry_run")} == {
        "rows": 2,
        "created": 1,
        "failed": 1,
        "dry_run": False,
    }
    assert report["columns"] == {
        "Mail": "email",
        "first_name": "first_name",
        "lead_score": "lead_score",
    }
    assert report["errors"] == [
        {"row": 3, "field": "email", "message": "must be an e-mail address like name@example.eu"}
    ]
    listed = (await client.get("/v1/crm/contacts")).json()
    assert [c["email"] for c in listed["contacts"]] == ["sanna@dvv.fi"]


async def test_map_may_repeat_and_on_conflict_update_changes_the_existing_record(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/v1/crm/contacts", json={"email": "sanna@dvv.fi", "title": "CTO"})

    response = await client.post(
        "/v1/crm/import/contacts?map=Mail%3Demail&map=Role%3Dtitle&on_conflict=update",
        content="Mail,Role\nsanna@dvv.fi,CIO\n",
        headers=CSV,
    )

    assert response.json()["updated"] == 1
    [contact] = (await client.get("/v1/crm/contacts")).json()["contacts"]
    assert contact["title"] == "CIO"


async def test_a_dry_run_over_http_writes_nothing(client: httpx.AsyncClient) -> None:
    response = await import_csv(client, "email\na@dvv.fi\n", dry_run="true")

    assert (response.json()["created"], response.json()["dry_run"]) == (1, True)
    assert (await client.get("/v1/crm/contacts")).json()["total"] == 0


async def test_an_import_stops_before_the_request_times_out_and_says_where(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = iter(range(10_000))  # a clock that moves one second each time it is read
    monkeypatch.setattr(transfer_routes, "_now", lambda: float(next(ticks)))
    text = "email\n" + "".join(f"p{i}@dvv.fi\n" for i in range(40))

    response = await import_csv(client, text)

    report = response.json()
    # The 30 s timeout: the import stops 24 clock readings in, before its 24th row (row 25).
    assert (response.status_code, report["stopped_at_row"]) == (200, 25)
    assert (report["rows"], report["created"]) == (23, 23)
    assert (await client.get("/v1/crm/contacts")).json()["total"] == 23


async def test_companies_import_by_domain(client: httpx.AsyncClient) -> None:
    response = await import_csv(
        client, "name,domain\nDVV,dvv.fi\nDVV again,https://www.dvv.fi\n", "companies"
    )

    assert (response.json()["created"], response.json()["skipped"]) == (1, 1)


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        pytest.param({"map": "nope"}, ["map.0"], id="map-without-equals"),
        pytest.param({"map": "Nope=email"}, ["map.0"], id="map-of-a-missing-column"),
        pytest.param({"on_conflict": "merge"}, ["on_conflict"], id="on-conflict"),
        pytest.param({"dry_run": "yes"}, ["dry_run"], id="dry-run"),
        pytest.param({"colour": "red"}, ["colour"], id="unknown-parameter"),
    ],
)
async def test_bad_import_options_are_422_naming_the_parameter(
    client: httpx.AsyncClient, params: dict[str, str], fields: list[str]
) -> None:
    response = await import_csv(client, "email\na@dvv.fi\n", **params)

    assert response.status_code == 422, response.text
    assert fields_of(response) == fields
    assert (await client.get("/v1/crm/contacts")).json()["total"] == 0


async def test_an_option_given_twice_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/crm/import/contacts?dry_run=true&dry_run=false", content="email\n", headers=CSV
    )

    assert response.status_code == 422
    assert fields_of(response) == ["dry_run"]


@pytest.mark.parametrize(
    ("body", "status", "fields"),
    [
        pytest.param(b"", 422, ["(body)"], id="empty"),
        pytest.param(b"\n\n", 422, ["(body)"], id="blank"),
        pytest.param(b"email\n\xff\xfe@dvv.fi\n", 400, ["(body)"], id="not-utf-8"),
        pytest.param(b"email,email\na,b\n", 422, ["header"], id="repeated-column"),
    ],
)
async def test_a_body_that_is_no_csv_table_is_a_4xx_naming_it(
    client: httpx.AsyncClient, body: bytes, status: int, fields: list[str]
) -> None:
    response = await import_csv(client, body)

    assert response.status_code == status, response.text
    assert fields_of(response) == fields


async def test_a_byte_order_mark_is_not_part_of_the_first_column(
    client: httpx.AsyncClient,
) -> None:
    response = await import_csv(client, "\ufeffemail\na@dvv.fi\n".encode())

    assert response.json()["columns"] == {"email": "email"}


async def test_an_import_needs_a_csv_content_type(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/crm/import/contacts", json={"email": "a@dvv.fi"})

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


class TestTheBodyLimit:
    @pytest.fixture
    def settings(self, database_url: str) -> Settings:
        return Settings(database_url=database_url, max_body_bytes=64)

    async def test_an_import_body_over_the_limit_is_413(self, client: httpx.AsyncClient) -> None:
        response = await import_csv(client, "email\n" + "a@dvv.fi\n" * 10)

        assert response.status_code == 413
        assert (await client.get("/v1/crm/contacts")).json()["total"] == 0


# -- export -----------------------------------------------------------------------


async def seed(client: httpx.AsyncClient) -> None:
    company = (
        await client.post("/v1/crm/companies", json={"name": "DVV", "domain": "dvv.fi"})
    ).json()
    await client.post(
        "/v1/crm/contacts",
        json={"email": "sanna@dvv.fi", "first_name": 'Säde, "Sanna"', "tags": ["gov", "eu"]},
    )
    await client.post(
        "/v1/crm/deals", json={"name": "Pilot", "company_id": company["id"], "amount": 1234.5}
    )


async def test_a_csv_export_is_an_attachment_with_a_header_and_one_row_per_record(
    client: httpx.AsyncClient, workspace_id: str
) -> None:
    await seed(client)

    response = await client.get("/v1/crm/export/contacts")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{workspace_id}-contacts.csv"'
    )
    [row] = list(csv.DictReader(io.StringIO(response.text, newline="")))
    assert (row["email"], row["first_name"], row["tags"]) == (
        "sanna@dvv.fi",
        'Säde, "Sanna"',
        "gov;eu",
    )
    assert row["unsubscribed_at"] == ""


async def test_a_jsonl_export_holds_each_record_as_the_api_shows_it(
    client: httpx.AsyncClient,
) -> None:
    await seed(client)

    response = await client.get("/v1/crm/export/deals", params={"format": "jsonl"})
    listed = (await client.get("/v1/crm/deals")).json()["deals"]

    assert response.headers["content-type"] == "application/x-ndjson"
    lines = response.text.splitlines()
    assert [orjson.loads(line) for line in lines] == listed
    assert orjson.loads(lines[0])["amount"] == 1234.5


async def test_an_empty_csv_export_still_has_its_header(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/crm/export/activities")

    assert response.text.splitlines()[0].startswith("id,contact_id,company_id,deal_id,type")
    assert len(response.text.splitlines()) == 1


async def test_an_export_holds_nothing_of_another_workspace(
    client: httpx.AsyncClient, workspace_id: str
) -> None:
    await seed(client)
    other = {"X-Workspace-ID": workspace_id + "-other"}

    for resource in ("contacts", "companies", "deals", "activities"):
        response = await client.get(f"/v1/crm/export/{resource}?format=jsonl", headers=other)
        assert (response.status_code, response.text) == (200, "")


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        pytest.param("format=xml", ["format"], id="unknown-format"),
        pytest.param("format=csv&since=2026", ["since"], id="unknown-parameter"),
        pytest.param("format=csv&format=jsonl", ["format"], id="format-twice"),
    ],
)
async def test_bad_export_parameters_are_422_naming_them(
    client: httpx.AsyncClient, query: str, fields: list[str]
) -> None:
    response = await client.get(f"/v1/crm/export/contacts?{query}")

    assert response.status_code == 422
    assert fields_of(response) == fields


async def test_export_and_import_need_the_workspace_header(client: httpx.AsyncClient) -> None:
    exported = await client.get("/v1/crm/export/contacts", headers={"X-Workspace-ID": ""})
    imported = await client.post(
        "/v1/crm/import/contacts", content="email\n", headers={**CSV, "X-Workspace-ID": ""}
    )

    assert (exported.status_code, imported.status_code) == (401, 401)
