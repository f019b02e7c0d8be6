"""A short, bounded load test over loopback: a fixed number of requests, no errors allowed.

400 requests from 8 concurrent clients, mixing list, search, create and
detail, against a real ``pauhu-crm serve``. It asserts the error count (0)
and reports the latency percentiles; it never asserts on time, which depends
on the machine.
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.reliability.helpers import report, serving

REQUESTS = 400
CONCURRENCY = 8
SEED_CONTACTS = 20


def _percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def test_a_bounded_load_has_no_errors(
    server_database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    workspace = f"ws-load-{uuid.uuid4().hex[:12]}"
    headers = {"X-Workspace-ID": workspace}
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    with serving(server_database_url, tmp_path) as server:
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=10.0) as client:
            ids = [
                client.post(
                    "/v1/crm/contacts",
                    json={"first_name": f"Load{n}", "email": f"load-{n}-{workspace}@example.eu"},
                ).json()["id"]
                for n in range(SEED_CONTACTS)
            ]
        counter = iter(range(REQUESTS))

        def worker() -> None:
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=10.0) as client:
                while True:
                    with lock:
                        n = next(counter, None)
                    if n is None:
                        return
                    kind = n % 4
                    started = time.perf_counter()
                    try:
                        if kind == 0:
                            response = client.get("/v1/crm/contacts", params={"limit": 20})
                        elif kind == 1:
                            response = client.get("/v1/crm/contacts", params={"q": f"load{n % 7}"})
                        elif kind == 2:
                            response = client.post(
                                "/v1/crm/contacts",
                                json={"first_name": "New", "email": f"new-{n}-{workspace}@x.eu"},
                            )
                        else:
                            response = client.get(f"/v1/crm/contacts/{ids[n % len(ids)]}")
                        status = response.status_code
                    except httpx.HTTPError as error:
                        status, response = 0, None
                        with lock:
                            errors.append(f"request {n}: {error!r}")
                    elapsed = time.perf_counter() - started
                    with lock:
                        latencies.append(elapsed)
                        if response is not None and not response.is_success:
                            errors.append(f"request {n}: {status} {response.text[:200]}")

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(CONCURRENCY)]
        wall = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)  # bounded: a hung client fails the count below
        wall = time.perf_counter() - wall

    ordered = sorted(latencies)
    numbers = {
        "requests": len(latencies),
        "errors": len(errors),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(_percentile(ordered, 0.95) * 1000, 1),
        "p99_ms": round(_percentile(ordered, 0.99) * 1000, 1),
        "req_per_s": round(len(latencies) / wall, 1),
    }
    report(request, **numbers)
    assert not errors, f"{numbers}; first errors: {errors[:5]}"
    assert len(latencies) == REQUESTS, numbers
