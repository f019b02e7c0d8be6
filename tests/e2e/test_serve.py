"""``pauhu-crm serve`` as an operator runs it: the loopback guard and several workers."""

from __future__ import annotations

import re
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

StartServer = Callable[..., Any]


def test_serve_refuses_a_public_address_without_auth(
    pauhu_crm: list[str], child_environment: dict[str, str], tmp_path: Path, unused_port: int
) -> None:
    # Never pass --allow-insecure-no-auth here: the test must not listen beyond loopback.
    database = tmp_path / "never-created.db"
    started = time.monotonic()

    finished = subprocess.run(
        [
            *pauhu_crm,
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            str(unused_port),
            "--database-url",
            f"sqlite:///{database}",
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=20,
        env=child_environment,
        check=False,
    )

    assert finished.returncode != 0
    assert time.monotonic() - started < 10
    assert "--allow-insecure-no-auth" in finished.stderr
    assert "Uvicorn running" not in finished.stdout + finished.stderr
    assert not database.exists(), "it got as far as opening the database"


def test_serve_with_two_workers_serves_requests(
    start_server: StartServer, server_database_url: str
) -> None:
    server = start_server(server_database_url, "--workers", "2", "--log-level", "info")
    # /health answered, but maybe by the first worker up: give the second one time too.
    deadline = time.monotonic() + 20
    while server.log_text().count("Application startup complete") < 2:
        assert time.monotonic() < deadline, server.log_text()
        time.sleep(0.1)
    workspace = {"X-Workspace-ID": f"ws-e2e-{uuid.uuid4().hex[:12]}"}
    # No keep-alive: every request is a new connection, taken by whichever worker is free.
    fresh_connections = httpx.Limits(max_keepalive_connections=0)

    with httpx.Client(base_url=server.base_url, timeout=10, limits=fresh_connections) as client:
        statuses = [
            client.get("/v1/crm/contacts", headers=workspace).status_code for _ in range(20)
        ]
        created = client.post("/v1/crm/contacts", headers=workspace, json={"first_name": "Aino"})
        listed = [
            [c["id"] for c in client.get("/v1/crm/contacts", headers=workspace).json()["contacts"]]
            for _ in range(10)
        ]

    assert statuses == [200] * 20
    assert created.status_code == 201, created.text
    assert listed == [[created.json()["id"]]] * 10
    log = server.log_text()
    workers = set(re.findall(r"Started server process \[(\d+)\]", log))
    assert len(workers) == 2, log
    server.stop()
    assert server.clean_shutdown, f"SIGTERM did not stop the server and its workers:\n{log}"
