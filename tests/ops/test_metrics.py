"""Prometheus metrics: off by default, then requests, e-mails, scorer calls and job runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import httpx
import pytest
from starlette.applications import Starlette

from pauhu_crm_apps.api import create_app
from pauhu_crm_apps.bootstrap import build_metrics
from pauhu_crm_apps.metrics_adapters import (
    CrmMetrics,
    InstrumentedScorer,
    instrument_mailer,
)
from pauhu_crm_apps.scheduler import Schedule, Scheduler
from pauhu_crm_apps.settings import Settings
from pauhu_crm_core import CRM
from pauhu_crm_core.errors import ProviderError
from pauhu_crm_core.mail import EmailMessage, SendReceipt
from pauhu_crm_core.ports import BatchMailer, Store
from pauhu_crm_core.scoring import Evaluation, LeadProfile
from pauhu_crm_core.testing import FrozenClock, RecordingMailer

from .conftest import client_for, label_values, sample

pytestmark = pytest.mark.anyio

REQUESTS = "pauhu_crm_http_requests_total"
DURATION_COUNT = "pauhu_crm_http_request_duration_seconds_count"


async def scrape(client: httpx.AsyncClient, **headers: str) -> str:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_metrics_are_off_unless_enabled(database_url: str, clock: FrozenClock) -> None:
    settings = Settings(database_url=database_url)
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app), client_for(app) as client:
        response = await client.get("/metrics")

    assert build_metrics(settings) is None
    assert response.status_code == 404


async def test_requests_are_counted_by_route_template_and_status(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post("/v1/crm/contacts", json={"email": "sanna@dvv.fi"})
    contact_id = created.json()["id"]
    for _ in range(2):
        assert (await client.get(f"/v1/crm/contacts/{contact_id}")).status_code == 200
    assert (await client.get("/v1/crm/contacts/no-such-contact")).status_code == 404
    assert (await client.get("/no/such/path/123")).status_code == 404

    text = await scrape(client)

    detail = {"method": "GET", "route": "/v1/crm/contacts/{id}"}
    assert sample(text, REQUESTS, **detail, status="200") == 2
    assert sample(text, REQUESTS, **detail, status="404") == 1
    assert sample(text, DURATION_COUNT, **detail, status="200") == 2
    assert sample(text, REQUESTS, method="POST", route="/v1/crm/contacts", status="201") == 1
    assert sample(text, REQUESTS, method="GET", route="<unmatched>", status="404") == 1
    # Never a raw path: no record id, no unknown path becomes a label.
    assert contact_id not in text
    assert "no-such-contact" not in text
    assert "/no/such/path" not in text


async def test_mounted_pages_are_labelled_with_their_mount(client: httpx.AsyncClient) -> None:
    assert (await client.get("/admin/")).status_code == 200

    routes = label_values(await scrape(client), REQUESTS, "route")

    assert "/admin/" in routes


async def test_the_scrape_itself_is_counted_on_its_route(client: httpx.AsyncClient) -> None:
    await scrape(client)

    text = await scrape(client)

    assert sample(text, REQUESTS, method="GET", route="/metrics", status="200") >= 1


async def test_a_token_guards_the_endpoint_when_set(database_url: str, clock: FrozenClock) -> None:
    settings = Settings(database_url=database_url, metrics=True, metrics_token="s3cret-token")
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app), client_for(app) as client:
        missing = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer guess"})
        right = await client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})

    assert missing.status_code == wrong.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert missing.json()["error"]["code"] == "unauthorized"
    assert right.status_code == 200
    assert REQUESTS in right.text


async def test_two_apps_in_one_process_keep_their_own_counts(
    database_url: str, clock: FrozenClock
) -> None:
    settings = Settings(database_url=database_url, metrics=True)
    busy, idle = create_app(settings, clock=clock), create_app(settings, clock=clock)
    async with (
        busy.router.lifespan_context(busy),
        idle.router.lifespan_context(idle),
        client_for(busy) as busy_client,
        client_for(idle) as idle_client,
    ):
        for _ in range(3):
            await busy_client.get("/health")
        busy_text, idle_text = await scrape(busy_client), await scrape(idle_client)

    health = {"method": "GET", "route": "/health", "status": "200"}
    assert sample(busy_text, REQUESTS, **health) == 3
    assert sample(idle_text, REQUESTS, **health) == 0


async def test_sequence_e_mails_are_counted(client: httpx.AsyncClient) -> None:
    contact = (await client.post("/v1/crm/contacts", json={"email": "sanna@dvv.fi"})).json()
    await client.post(
        "/v1/sequences/seq-hot-sovereign/enrollments", json={"contact_id": contact["id"]}
    )

    result = (await client.post("/run")).json()
    text = await scrape(client)

    assert result["sent"] == 1
    assert sample(text, "pauhu_crm_emails_total", outcome="sent") == 1
    assert sample(text, "pauhu_crm_emails_total", outcome="failed") == 0


async def test_scorer_calls_are_counted(client: httpx.AsyncClient) -> None:
    company = (
        await client.post("/v1/crm/companies", json={"name": "DVV", "domain": "dvv.fi"})
    ).json()
    await client.post(
        "/v1/crm/contacts", json={"email": "sanna@dvv.fi", "company_id": company["id"]}
    )

    result = (await client.post("/score")).json()
    text = await scrape(client)

    assert result["scored"] == 1
    calls = "pauhu_crm_scorer_calls_total"
    assert sample(text, calls, scorer="RuleBasedScorer", outcome="ok") == 1
    assert sample(text, calls, scorer="RuleBasedScorer", outcome="error") == 0


# --- the adapters on their own -----------------------------------------------------------------


class RefusingMailer:
    async def send(self, message: EmailMessage) -> SendReceipt:
        raise ProviderError("mailbox full", permanent=True)

    async def aclose(self) -> None:
        pass


class HalfBatchMailer(RefusingMailer):
    """Refuses every other message of a batch."""

    async def send_many(
        self, messages: Sequence[EmailMessage]
    ) -> Sequence[SendReceipt | ProviderError]:
        return [
            ProviderError("refused") if n % 2 else SendReceipt(message_id=m.message_id)
            for n, m in enumerate(messages)
        ]


class BrokenScorer:
    async def evaluate(self, profile: LeadProfile) -> Evaluation:
        raise ProviderError("the model is down")

    async def aclose(self) -> None:
        pass


def message(n: int = 0) -> EmailMessage:
    return EmailMessage(
        workspace_id="ws-metrics",
        message_id=f"<m{n}@pauhu.eu>",
        sender="sales@pauhu.eu",
        to=f"p{n}@example.eu",
        subject="Hi",
        text="Hello",
        html="<p>Hello</p>",
    )


def value(metrics: CrmMetrics, name: str, **labels: str) -> float:
    found = metrics.registry.get_sample_value(name, labels)
    return found or 0.0


async def test_a_refused_e_mail_is_counted_as_failed_and_still_raised() -> None:
    metrics = CrmMetrics()
    mailer = instrument_mailer(RefusingMailer(), metrics)

    with pytest.raises(ProviderError):
        await mailer.send(message())

    assert value(metrics, "pauhu_crm_emails_total", outcome="failed") == 1
    assert value(metrics, "pauhu_crm_emails_total", outcome="sent") == 0


async def test_a_batch_mailer_stays_one_and_counts_each_answer() -> None:
    metrics = CrmMetrics()
    mailer = instrument_mailer(HalfBatchMailer(), metrics)

    assert isinstance(mailer, BatchMailer)
    answers = await mailer.send_many([message(n) for n in range(5)])

    assert len(answers) == 5
    assert value(metrics, "pauhu_crm_emails_total", outcome="sent") == 3
    assert value(metrics, "pauhu_crm_emails_total", outcome="failed") == 2


async def test_a_scorer_error_is_counted_and_still_raised() -> None:
    metrics = CrmMetrics()
    scorer = InstrumentedScorer(BrokenScorer(), metrics, "openai")

    with pytest.raises(ProviderError):
        await scorer.evaluate(cast(LeadProfile, None))  # the broken scorer never reads it

    assert value(metrics, "pauhu_crm_scorer_calls_total", scorer="openai", outcome="error") == 1
    assert value(metrics, "pauhu_crm_scorer_calls_total", scorer="openai", outcome="ok") == 0


async def test_the_scheduler_counts_its_job_runs_by_job_and_outcome(
    fresh_store: Store, workspace_id: str
) -> None:
    metrics = CrmMetrics()
    crm = CRM(store=fresh_store, clock=FrozenClock(), mailer=RecordingMailer())
    await crm.workspace(workspace_id).get()
    scheduler = Scheduler(
        crm,
        (Schedule("sequences", "* * * * *"), Schedule("scoring", "* * * * *")),
        runner="test",
        on_run=metrics.observe_job_run,
    )

    runs = await scheduler.tick()
    await scheduler.tick()  # the same firings: claimed already, nothing runs or counts

    assert {(run.job, run.status.value) for run in runs} == {
        ("sequences", "succeeded"),
        ("scoring", "succeeded"),
    }
    for job in ("sequences", "scoring"):
        assert value(metrics, "pauhu_crm_job_runs_total", job=job, outcome="succeeded") == 1
        assert value(metrics, "pauhu_crm_job_runs_total", job=job, outcome="failed") == 0


def test_the_default_app_has_no_metrics_state(database_url: str) -> None:
    app: Starlette = create_app(Settings(database_url=database_url))
    assert app.state.metrics is None


def test_unknown_methods_share_one_label_and_one_cached_series() -> None:
    metrics = CrmMetrics()

    for method in ("BREW", "WHEN", "PROPFIND"):
        metrics.observe_request(method, "<unmatched>", 405, 0.001)

    labels = {"method": "other", "route": "<unmatched>", "status": "405"}
    assert value(metrics, REQUESTS, **labels) == 3
    assert len(metrics._http_children) == 1
