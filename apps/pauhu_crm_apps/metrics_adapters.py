"""Prometheus metrics of the apps, kept out of the core.

The core knows nothing of Prometheus: the apps count what passes through the
ports they hand it (``InstrumentedMailer``, ``InstrumentedScorer`` wrap the
mailer and the scorer ``bootstrap`` builds) and what the scheduler's job runs
answer. Every metric lives in the ``CollectorRegistry`` of one ``CrmMetrics``,
never in prometheus-client's global one, so that two apps in one process (and
the tests) each count their own.

Labels are bounded on purpose: a route is its template (``/v1/crm/contacts/{id}``,
never the path with the id in it), and nothing is labelled with a workspace,
so ``/metrics`` cannot list the tenants of the server.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from pauhu_crm_core.entities import JobRun
from pauhu_crm_core.errors import ProviderError
from pauhu_crm_core.mail import EmailMessage, SendReceipt
from pauhu_crm_core.ports import BatchMailer, Mailer, Scorer
from pauhu_crm_core.scoring import Evaluation, LeadProfile

# Latency of an API call: most answer in milliseconds; the timeout is 30 s.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# A scorer call: instant for the rules, seconds for an LLM.
SCORER_BUCKETS = (0.001, 0.01, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# A job run: a quiet workspace in milliseconds, a big sequence run in minutes.
JOB_BUCKETS = (0.1, 1.0, 10.0, 60.0, 300.0, 900.0, 3600.0)

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class CrmMetrics:
    """The metrics of one app or scheduler, in their own registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.http_requests = Counter(
            "pauhu_crm_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ("method", "route", "status"),
            registry=r,
        )
        self.http_duration = Histogram(
            "pauhu_crm_http_request_duration_seconds",
            "Time from a request's arrival to the end of its response.",
            ("method", "route", "status"),
            buckets=HTTP_BUCKETS,
            registry=r,
        )
        self.http_in_progress = Gauge(
            "pauhu_crm_http_requests_in_progress",
            "Requests being answered right now.",
            registry=r,
        )
        self.emails = Counter(
            "pauhu_crm_emails",
            "Sequence e-mails handed to the mailer, by outcome (sent or failed).",
            ("outcome",),
            registry=r,
        )
        self.scorer_calls = Counter(
            "pauhu_crm_scorer_calls",
            "Lead evaluations asked of the scorer, by scorer and outcome (ok or error).",
            ("scorer", "outcome"),
            registry=r,
        )
        self.scorer_duration = Histogram(
            "pauhu_crm_scorer_call_duration_seconds",
            "Time one lead evaluation took, by scorer.",
            ("scorer",),
            buckets=SCORER_BUCKETS,
            registry=r,
        )
        self.job_runs = Counter(
            "pauhu_crm_job_runs",
            "Scheduled job runs this process made, by job and outcome (succeeded or failed).",
            ("job", "outcome"),
            registry=r,
        )
        self.job_duration = Histogram(
            "pauhu_crm_job_run_duration_seconds",
            "Time one job run took, by job.",
            ("job",),
            buckets=JOB_BUCKETS,
            registry=r,
        )
        # labels() takes a lock and hashes its arguments: keep each child once.
        self._http_children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        if method not in HTTP_METHODS:  # before the cache: a client may send any token
            method = "other"
        key = (method, route, status)
        children = self._http_children.get(key)
        if children is None:
            labels = (method, route, str(status))
            children = (self.http_requests.labels(*labels), self.http_duration.labels(*labels))
            self._http_children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def observe_job_run(self, run: JobRun) -> None:
        self.job_runs.labels(run.job, run.status.value).inc()
        if run.finished_at is not None:
            seconds = (run.finished_at - run.started_at).total_seconds()
            self.job_duration.labels(run.job).observe(max(0.0, seconds))


class InstrumentedMailer:
    """A ``Mailer`` that counts what it sends and fails, then answers as the one it wraps."""

    def __init__(self, inner: Mailer, metrics: CrmMetrics) -> None:
        self.inner = inner
        self._sent = metrics.emails.labels("sent")
        self._failed = metrics.emails.labels("failed")

    async def send(self, message: EmailMessage) -> SendReceipt:
        try:
            receipt = await self.inner.send(message)
        except ProviderError:
            self._failed.inc()
            raise
        self._sent.inc()
        return receipt

    async def aclose(self) -> None:
        await self.inner.aclose()


class InstrumentedBatchMailer(InstrumentedMailer):
    """The same for a ``BatchMailer``, so that the engine keeps using its batch path."""

    inner: BatchMailer

    def __init__(self, inner: BatchMailer, metrics: CrmMetrics) -> None:
        super().__init__(inner, metrics)

    async def send_many(
        self, messages: Sequence[EmailMessage]
    ) -> Sequence[SendReceipt | ProviderError]:
        try:
            answers = await self.inner.send_many(messages)
        except ProviderError:
            self._failed.inc(len(messages))
            raise
        failed = sum(1 for answer in answers if isinstance(answer, ProviderError))
        if failed:
            self._failed.inc(failed)
        if len(answers) > failed:
            self._sent.inc(len(answers) - failed)
        return answers


def instrument_mailer(mailer: Mailer, metrics: CrmMetrics) -> Mailer:
    if isinstance(mailer, BatchMailer):
        return InstrumentedBatchMailer(mailer, metrics)
    return InstrumentedMailer(mailer, metrics)


class InstrumentedScorer:
    """A ``Scorer`` that counts and times its evaluations; ``kind`` labels them."""

    def __init__(self, inner: Scorer, metrics: CrmMetrics, kind: str) -> None:
        self.inner = inner
        self._ok = metrics.scorer_calls.labels(kind, "ok")
        self._error = metrics.scorer_calls.labels(kind, "error")
        self._duration = metrics.scorer_duration.labels(kind)

    async def evaluate(self, profile: LeadProfile) -> Evaluation:
        started = time.perf_counter()
        try:
            evaluation = await self.inner.evaluate(profile)
        except Exception:  # counted, then raised unchanged; a cancellation is no error
            self._error.inc()
            raise
        finally:
            self._duration.observe(time.perf_counter() - started)
        self._ok.inc()
        return evaluation

    async def aclose(self) -> None:
        await self.inner.aclose()
