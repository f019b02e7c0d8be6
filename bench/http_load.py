"""Over HTTP: the bench server in a process of its own, loaded from this one on loopback.

For each endpoint the load generator sends a fixed number of requests (fewer
if they take longer than the size's time budget) with a fixed concurrency
(an ``httpx.AsyncClient`` whose pool holds that many keep-alive
connections), then stores one real response body of it on the server and
sends as many requests to the bare endpoint answering those bytes.
The endpoint's throughput over the bare one's is its share of the ceiling.

The client is Python too and shares the two cores with the server, so the
ceiling measured here is lower than a C load generator would find; the ratio
is the honest figure (same client, same server, same run).
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import anyio
import httpx

from .library import COMMON_TERM
from .stats import MIN_SAMPLES, Result, latency_result

WORKSPACE_HEADER = "X-Workspace-ID"
READY_TIMEOUT = 60.0
LOAD_TIMEOUT = 300.0
"""No endpoint's load may take longer than this (then the run fails, it does not hang)."""

RequestFactory = Callable[[int], httpx.Request]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class BenchServer:
    """``python -m bench.server`` as a subprocess; a context manager that stops it."""

    def __init__(self, database_url: str, log_path: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._log = log_path.open("wb")
        root = Path(__file__).resolve().parent.parent
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.server", "--database-url", database_url,
             "--port", str(self.port)],
            cwd=root,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(root)},
        )  # fmt: skip

    async def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        async with httpx.AsyncClient(base_url=self.base_url) as client:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the bench server exited with {self.process.returncode}")
                try:
                    if (await client.get("/health")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError("the bench server did not become ready")
                await anyio.sleep(0.1)

    def rss_mb(self) -> float:
        """The server's resident set (``VmRSS`` in /proc, kibibytes) in megabytes (10⁶ B)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / 1e6
        raise RuntimeError("no VmRSS in /proc status")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self._log.close()


async def drive(
    client: httpx.AsyncClient,
    make: RequestFactory,
    count: int,
    concurrency: int,
    max_seconds: float = LOAD_TIMEOUT,
) -> tuple[list[float], float]:
    """Send ``count`` requests, ``concurrency`` at a time — or fewer, when ``max_seconds``
    have passed, but at least ``MIN_SAMPLES`` —; each must answer 2xx."""
    numbers = iter(range(count))
    samples: list[float] = []
    failures: list[str] = []
    started = time.perf_counter()

    async def worker() -> None:
        for number in numbers:
            late = time.perf_counter() - started > max_seconds
            if late and len(samples) >= MIN_SAMPLES:
                return
            request = make(number)
            before = time.perf_counter()
            response = await client.send(request)
            await response.aread()
            samples.append(time.perf_counter() - before)
            if not response.is_success:
                failures.append(f"{request.method} {request.url.path}: {response.status_code}")

    with anyio.fail_after(LOAD_TIMEOUT):
        async with anyio.create_task_group() as group:
            for _ in range(concurrency):
                group.start_soon(worker)
    wall = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return samples, wall


def endpoints(
    client: httpx.AsyncClient, workspace_id: str, contact_ids: Sequence[str]
) -> list[tuple[str, str, RequestFactory]]:
    headers = {WORKSPACE_HEADER: workspace_id}
    emails = itertools.count()

    def get(path: str, **params: str) -> RequestFactory:
        return lambda i: client.build_request("GET", path, params=params, headers=headers)

    def detail(i: int) -> httpx.Request:
        contact_id = contact_ids[i % len(contact_ids)]
        return client.build_request("GET", f"/v1/crm/contacts/{contact_id}", headers=headers)

    def create(i: int) -> httpx.Request:
        body = {
            "email": f"http.bench.{next(emails)}@benchmark.example",
            "first_name": "Łukasz",
            "last_name": "Dvořák",
            "lifecycle_stage": "lead",
        }
        return client.build_request("POST", "/v1/crm/contacts", json=body, headers=headers)

    return [
        ("http_list", "GET /v1/crm/contacts (first page, exact total)", get("/v1/crm/contacts")),
        ("http_list_filtered", "GET /v1/crm/contacts?stage=lead",
         get("/v1/crm/contacts", stage="lead")),
        ("http_search", f"GET /v1/crm/contacts?q={COMMON_TERM}",
         get("/v1/crm/contacts", q=COMMON_TERM)),
        ("http_detail", "GET /v1/crm/contacts/{id} (detail view)", detail),
        ("http_create", "POST /v1/crm/contacts", create),
    ]  # fmt: skip


async def run_http(
    server: BenchServer,
    workspace_id: str,
    contact_ids: Sequence[str],
    count: int,
    concurrency: int,
    max_seconds: float,
    progress: Callable[[str], None],
) -> list[Result]:
    results: list[Result] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=30) as client:
        for name, description, make in endpoints(client, workspace_id, contact_ids):
            # One real answer first: its bytes are what the bare endpoint will serve.
            sample = await client.send(make(-1))
            sample.raise_for_status()
            stored = await client.put(f"/__bench/bodies/{name}", content=sample.content)
            stored.raise_for_status()
            await drive(client, make, min(10, count), concurrency)  # warm-up
            samples, wall = await drive(client, make, count, concurrency, max_seconds)
            bare_url = f"/__bench/bare/{name}"

            def ceiling(i: int, url: str = bare_url) -> httpx.Request:
                return client.build_request("GET", url)

            await drive(client, ceiling, min(10, count), concurrency)
            # As many requests as the endpoint got through, so the walls compare.
            bare_samples, bare_wall = await drive(client, ceiling, len(samples), concurrency)
            result = latency_result(name, "http", description, samples, wall)
            bare = latency_result(name + "_bare", "http", "", bare_samples, bare_wall)
            # Same count on both sides: the throughput ratio is the ratio of wall times.
            result.value = bare_wall / wall
            result.unit = "× ceiling"
            result.extra = {
                "bytes": len(sample.content),
                "concurrency": concurrency,
                "ceiling_throughput": bare.throughput,
                "ceiling_p50_ms": bare.p50_ms,
                "ceiling_p95_ms": bare.p95_ms,
            }
            progress(
                f"  {name}: {result.throughput:.0f}/s vs bare {bare.throughput:.0f}/s "
                f"= {result.value:.1%}, p95 {result.p95_ms:.1f} ms"
            )
            results.append(result)
    rss = server.rss_mb()
    results.append(
        Result(
            name="server_rss",
            group="memory",
            description="server VmRSS after the HTTP load",
            value=rss,
            unit="MB",
        )
    )
    progress(f"  server RSS after the load: {rss:.0f} MB")
    return results


EXPORT_RSS_INTERVAL = 0.25
"""Seconds between two readings of the server's RSS while an export streams."""


async def run_export(
    server: BenchServer, workspace_id: str, max_seconds: float, progress: Callable[[str], None]
) -> Result:
    """Stream ``GET /v1/crm/export/contacts?format=csv`` of the big workspace to nowhere,
    reading the server's RSS every ``EXPORT_RSS_INTERVAL`` s; the figure is the highest
    reading, and ``extra`` holds the one before the export and how far it got."""
    before = server.rss_mb()
    peak = before
    received = rows = 0
    started = time.monotonic()
    next_reading = started
    headers = {"X-Workspace-ID": workspace_id}
    async with (
        httpx.AsyncClient(base_url=server.base_url, timeout=60) as client,
        client.stream(
            "GET", "/v1/crm/export/contacts", params={"format": "csv"}, headers=headers
        ) as response,
    ):
        response.raise_for_status()
        async for chunk in response.aiter_bytes():
            received += len(chunk)
            rows += chunk.count(b"\n")
            now = time.monotonic()
            if now >= next_reading:
                peak = max(peak, server.rss_mb())
                next_reading = now + EXPORT_RSS_INTERVAL
            if now - started > max_seconds:
                break  # bounded: the RSS readings so far are the figure
    wall = time.monotonic() - started
    peak = max(peak, server.rss_mb())
    progress(
        f"  export: {rows:,} lines, {received / 1e6:.0f} MB in {wall:.1f} s; "
        f"RSS {before:.0f} MB before, {peak:.0f} MB at most"
    )
    return Result(
        name="export_rss",
        group="memory",
        description="server RSS during a streaming CSV export of the big workspace's contacts",
        value=peak,
        unit="MB",
        throughput=rows / wall if wall else None,
        extra={"rss_before_mb": before, "lines": rows, "bytes": received, "seconds": wall},
    )
