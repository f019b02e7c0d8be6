"""``GET /v1/jobs``: a workspace's scheduled job runs over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette

from pauhu_crm_core import CRM

pytestmark = pytest.mark.anyio


async def test_job_runs_are_listed_newest_first_and_per_workspace(
    app: Starlette, client: httpx.AsyncClient, workspace_id: str
) -> None:
    crm: CRM = app.state.crm
    for workspace in (workspace_id, workspace_id + "-b"):
        await crm.workspace(workspace).get()  # jobs run in stored workspaces
    for hour in (6, 8):
        await crm.jobs.run_claimed(
            "scoring", workspace_id, datetime(2026, 3, 7, hour, tzinfo=UTC), runner="test"
        )
    await crm.jobs.run_claimed(
        "scoring", workspace_id + "-b", datetime(2026, 3, 7, 6, tzinfo=UTC), runner="test"
    )

    body = (await client.get("/v1/jobs")).json()
    scoring = (await client.get("/v1/jobs?job=scoring&limit=1")).json()

    assert [run["scheduled_for"] for run in body["jobs"]] == [
        "2026-03-07T08:00:00Z",
        "2026-03-07T06:00:00Z",
    ]
    assert body["jobs"][0]["status"] == "succeeded"
    assert body["jobs"][0]["result"] == {"scored": 0, "errors": 0}
    assert (scoring["total"], len(scoring["jobs"])) == (2, 1)
    assert (await client.get("/v1/jobs?status=done")).status_code == 422
