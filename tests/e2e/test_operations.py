"""Operations on real processes: JSON logs with request ids, graceful SIGTERM, scheduler metrics.

Every wait is bounded; nothing is timed. The shutdown tests hold a request in
flight by sending its body in two parts, the second only once SIGTERM has been
sent; that the server is answering it is read from its own
``pauhu_crm_http_requests_in_progress`` gauge, never guessed with a sleep.
"""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import anyio
import httpx
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from pauhu_crm_apps import open_crm

from .conftest import (
    HEALTH_TIMEOUT_SECONDS,
    Server,
    clean_environment,
    free_port,
    pauhu_crm_command,
)

WAIT_SECONDS = 20.0


def start(
    command: list[str], log: Path, environment: dict[str, str], health_url: str | None
) -> Server:
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=clean_environment() | environment,
            start_new_session=True,
        )
    server = Server(process, health_url or "", log)
    if health_url:
        server.wait_until_healthy(HEALTH_TIMEOUT_SECONDS)
    return server


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """``serve(*flags, **env)``: a healthy ``pauhu-crm serve`` on SQLite, stopped in teardown."""
    servers: list[Server] = []

    def run(*flags: str, **environment: str) -> Server:
        port = free_port()
        command = [*pauhu_crm_command(), "serve", "--port", str(port)]
        command += ["--database-url", f"sqlite:///{tmp_path / 'ops.db'}", *flags]
        server = start(
            command, tmp_path / f"serve-{port}.log", environment, f"http://127.0.0.1:{port}"
        )
        servers.append(server)
        return server

    yield run
    for server in servers:
        server.stop()


def json_lines(server: Server) -> list[dict[str, Any]]:
    """Every line of the server's output, each parsed as JSON (a line that is not fails)."""
    return [orjson.loads(line) for line in server.log_text().splitlines() if line.strip()]


def sample(scrape: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(scrape):
        for candidate in family.samples:
            if candidate.name == name and candidate.labels == labels:
                return float(candidate.value)
    return 0.0


def wait_for(condition: Callable[[], bool], what: str, server: Server) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {WAIT_SECONDS} s:\n{server.log_text()}")
        time.sleep(0.05)


# --- JSON logs --------------------------------------------------------------------------------


def test_json_log_lines_carry_the_request_id_of_each_response(
    serve: Callable[..., Server],
) -> None:
    server = serve(
        "--log-level",
        "info",
        "--log-format",
        "json",
        "--auth-mode",
        "api_key",
        PAUHU_CRM_METRICS="true",
    )
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        chosen = client.get("/openapi.json", headers={"X-Request-ID": "req-json-1"})
        generated = client.get("/no/such/page")
        unsubscribe = client.get("/unsubscribe", params={"token": "SECRET-TOKEN-4711"})
    server.stop()

    lines = json_lines(server)
    assert server.process.returncode == 0
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    access = {line.get("request_id"): line for line in lines if line["logger"] == "uvicorn.access"}
    assert chosen.headers["X-Request-ID"] == "req-json-1"
    assert "GET /openapi.json" in access["req-json-1"]["message"]
    assert access["req-json-1"]["method"] == "GET"
    assert access["req-json-1"]["path"] == "/openapi.json"
    assert access["req-json-1"]["status"] == 200
    assert "GET /no/such/page" in access[generated.headers["X-Request-ID"]]["message"]
    # The CRM's own loggers write JSON too: the warning about an open /metrics.
    warnings = [line for line in lines if line["logger"] == "pauhu_crm.api"]
    assert any("PAUHU_CRM_METRICS_TOKEN" in line["message"] for line in warnings)
    # The unsubscribe token stays out of the access log, in JSON as in text.
    assert "SECRET-TOKEN-4711" not in server.log_text()
    redacted = access[unsubscribe.headers["X-Request-ID"]]
    assert "token=[redacted]" in redacted["message"]
    assert redacted["path"] == "/unsubscribe?token=[redacted]"


# --- graceful shutdown ------------------------------------------------------------------------


class HeldRequest:
    """A POST whose body is sent in two parts, the second when ``release()`` is called."""

    def __init__(self, base_url: str, workspace: str) -> None:
        self._release = threading.Event()
        self.response: httpx.Response | None = None
        self.error: Exception | None = None
        email = f"held-{uuid.uuid4().hex[:8]}@dvv.fi"

        def body() -> Iterator[bytes]:
            yield b'{"email": "' + email.encode() + b'", '
            self._release.wait(WAIT_SECONDS)
            yield b'"first_name": "Held"}'

        def post() -> None:
            try:
                with httpx.Client(base_url=base_url, timeout=WAIT_SECONDS * 2) as client:
                    self.response = client.post(
                        "/v1/crm/contacts",
                        content=body(),
                        headers={"X-Workspace-ID": workspace, "Content-Type": "application/json"},
                    )
            except httpx.HTTPError as exc:
                self.error = exc

        self._thread = threading.Thread(target=post, daemon=True)
        self._thread.start()

    def release(self) -> None:
        self._release.set()
        self._thread.join(WAIT_SECONDS * 2)


def in_progress(server: Server) -> float:
    with suppress(httpx.TransportError), httpx.Client(timeout=5) as client:
        scrape = client.get(f"{server.base_url}/metrics").text
        return sample(scrape, "pauhu_crm_http_requests_in_progress") - 1  # not the scrape
    return 0.0


def test_sigterm_lets_a_request_in_flight_finish_then_exits_0(
    serve: Callable[..., Server],
) -> None:
    server = serve("--log-level", "info", PAUHU_CRM_METRICS="true")
    held = HeldRequest(server.base_url, "ws-shutdown")
    wait_for(lambda: in_progress(server) >= 1, "request in progress", server)

    server.process.send_signal(15)
    wait_for(lambda: "Shutting down" in server.log_text(), "shutdown", server)
    held.release()
    returncode = server.process.wait(WAIT_SECONDS)

    assert held.error is None, server.log_text()
    assert held.response is not None
    assert held.response.status_code == 201, held.response.text
    assert held.response.json()["first_name"] == "Held"
    assert returncode == 0, server.log_text()
    assert "Application shutdown complete" in server.log_text()


def test_a_request_that_outlasts_the_shutdown_timeout_is_cancelled_and_it_still_exits_0(
    serve: Callable[..., Server],
) -> None:
    server = serve(
        "--log-level",
        "info",
        PAUHU_CRM_METRICS="true",
        PAUHU_CRM_SHUTDOWN_TIMEOUT_SECONDS="1",
        PAUHU_CRM_REQUEST_TIMEOUT_SECONDS="0",
    )
    held = HeldRequest(server.base_url, "ws-shutdown")
    wait_for(lambda: in_progress(server) >= 1, "request in progress", server)

    server.process.send_signal(15)
    try:
        returncode = server.process.wait(WAIT_SECONDS)
    finally:
        held.release()

    assert returncode == 0, server.log_text()
    assert "timeout graceful shutdown exceeded" in server.log_text()
    assert "Application shutdown complete" in server.log_text()  # the database was closed


# --- the scheduler ----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_scheduler_logs_json_serves_its_job_runs_and_stops_with_0(
    tmp_path: Path,
) -> None:
    database_url = f"sqlite:///{tmp_path / 'scheduler.db'}"
    async with open_crm(database_url) as crm:
        await crm.workspace("ws-scheduled").get()
    port = free_port()
    scheduler = start(
        [*pauhu_crm_command(), "scheduler", "--database-url", database_url],
        tmp_path / "scheduler.log",
        {
            "PAUHU_CRM_LOG_FORMAT": "json",
            "PAUHU_CRM_METRICS": "true",
            "PAUHU_CRM_METRICS_TOKEN": "scrape-me",
            "PAUHU_CRM_SCHEDULER_METRICS_PORT": str(port),
            "PAUHU_CRM_SCHEDULE_SEQUENCES": "* * * * * */2",
            "PAUHU_CRM_SCHEDULE_SCORING": "0 0 1 1 *",
            "PAUHU_CRM_SCHEDULER_TICK_SECONDS": "0.1",
            "PAUHU_CRM_SCHEDULER_CATCH_UP_SECONDS": "5",
        },
        None,
    )
    url = f"http://127.0.0.1:{port}/metrics"
    runs = "pauhu_crm_job_runs_total"

    def scrape(token: str = "scrape-me") -> httpx.Response | None:
        with suppress(httpx.TransportError), httpx.Client(timeout=5) as client:
            return client.get(url, headers={"Authorization": f"Bearer {token}"})
        return None

    def ran() -> bool:
        response = scrape()
        return (
            response is not None
            and sample(response.text, runs, job="sequences", outcome="succeeded") >= 1
        )

    try:
        await anyio.to_thread.run_sync(wait_for, ran, "job run in /metrics", scheduler)
        refused = scrape("guess")
    finally:
        scheduler.stop()

    lines = json_lines(scheduler)
    assert scheduler.clean_shutdown, scheduler.log_text()
    assert scheduler.process.returncode == 0
    assert refused is not None
    assert refused.status_code == 401
    started = [line for line in lines if line["logger"] == "pauhu_crm.scheduler"]
    assert any("started" in line["message"] for line in started)
    assert any("stopped" in line["message"] for line in started)


# --- a one-shot run ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_one_shot_run_logs_json_on_stderr_and_its_runs_on_stdout(
    tmp_path: Path,
) -> None:
    database_url = f"sqlite:///{tmp_path / 'run.db'}"
    async with open_crm(database_url) as crm:
        await crm.workspace("ws-run").contacts.create({"email": "aino@run.fi"})
    command = [*pauhu_crm_command(), "run", "scoring", "--workspace", "ws-run"]
    environment = {
        "PAUHU_CRM_LOG_FORMAT": "json",
        # A scorer nothing answers: each failed attempt is logged as a warning.
        "PAUHU_CRM_SCORER": "openai",
        "PAUHU_CRM_SCORER_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "PAUHU_CRM_SCORER_MODEL": "any-model",
    }

    finished = await anyio.run_process(
        [*command, "--database-url", database_url],
        env=clean_environment() | environment,
        check=False,
    )

    stderr = finished.stderr.decode()
    assert finished.returncode == 0, stderr
    runs = orjson.loads(finished.stdout)
    assert runs["ws-run"]["status"] == "succeeded"
    assert runs["ws-run"]["result"]["errors"] == 1
    lines = [orjson.loads(line) for line in stderr.splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    scorer = [line for line in lines if line["logger"] == "pauhu_crm_adapters.llm.openai"]
    assert scorer, stderr
    assert all(line["level"] == "WARNING" for line in scorer)
    assert any("scorer attempt 1/" in line["message"] for line in scorer)
