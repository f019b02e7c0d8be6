"""Crash safety: every write the API acknowledged survives a SIGKILL of the server.

Four clients POST contacts as fast as they can; the server's whole process
group is killed with SIGKILL mid-load; a new server on the same database must
return every contact that got a 2xx, and the database must pass its
integrity check. Bounded: about 2 s of load, two server starts.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
import uuid
from contextlib import suppress
from pathlib import Path

import anyio
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from pauhu_crm_adapters.sql.engine import create_sql_engine
from tests.reliability.helpers import report, serving, start_serve

CLIENTS = 4
LOAD_SECONDS = 1.5
"""Load before the kill; the clients keep going until the server is gone."""
CLIENT_DEADLINE_SECONDS = 8.0


def _load(base_url: str, workspace: str, stop: threading.Event) -> tuple[list[str], int]:
    """Run ``CLIENTS`` writers until ``stop`` or their deadline: acknowledged ids, attempts."""
    acknowledged: list[str] = []
    attempts = 0
    lock = threading.Lock()

    def writer(number: int) -> None:
        nonlocal attempts
        deadline = time.monotonic() + CLIENT_DEADLINE_SECONDS
        headers = {"X-Workspace-ID": workspace}
        with httpx.Client(base_url=base_url, headers=headers, timeout=5.0) as client:
            sequence = 0
            while not stop.is_set() and time.monotonic() < deadline:
                sequence += 1
                email = f"crash-{number}-{sequence}-{uuid.uuid4().hex[:6]}@example.eu"
                with lock:
                    attempts += 1
                try:
                    response = client.post(
                        "/v1/crm/contacts", json={"first_name": "Crash", "email": email}
                    )
                except httpx.TransportError:
                    return  # the server is gone; this write was never acknowledged
                if response.is_success:
                    with lock:
                        acknowledged.append(response.json()["id"])

    threads = [threading.Thread(target=writer, args=(n,), daemon=True) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(CLIENT_DEADLINE_SECONDS + 6)
    return acknowledged, attempts


def _crash_and_check(database_url: str, log_dir: Path) -> tuple[list[str], int]:
    workspace = f"ws-crash-{uuid.uuid4().hex[:12]}"
    server = start_serve(database_url, log_dir)
    stop = threading.Event()
    try:

        def kill_mid_load() -> None:
            time.sleep(LOAD_SECONDS)
            # The server's own process group (start_new_session): nothing else is in it.
            with suppress(ProcessLookupError):
                os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=5)
            stop.set()

        killer = threading.Thread(target=kill_mid_load, daemon=True)
        killer.start()
        acknowledged, attempts = _load(server.base_url, workspace, stop)
        killer.join(10)
        assert server.process.returncode == -signal.SIGKILL, server.log_text()
    finally:
        stop.set()
        server.stop()

    assert acknowledged, "no write was acknowledged before the kill"
    with serving(database_url, log_dir) as restarted:
        headers = {"X-Workspace-ID": workspace}
        with httpx.Client(base_url=restarted.base_url, headers=headers, timeout=5.0) as client:
            missing = [
                id_
                for id_ in acknowledged
                if client.get(f"/v1/crm/contacts/{id_}").status_code != 200
            ]
            total = client.get("/v1/crm/contacts", params={"limit": 1}).json()["total"]
    assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged contacts lost"
    # Unacknowledged writes may or may not have landed; acknowledged ones all did.
    assert len(acknowledged) <= total <= attempts
    return acknowledged, total


def _sqlite_integrity(database_url: str) -> str:
    path = make_url(database_url).database
    assert path
    with sqlite3.connect(path) as conn:
        result: str = conn.execute("PRAGMA integrity_check").fetchone()[0]
    return result


async def _postgres_ids(database_url: str) -> set[str]:
    engine = create_sql_engine(database_url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
            rows = await conn.execute(text("SELECT id FROM contacts"))
            return {str(row[0]) for row in rows}
    finally:
        await engine.dispose()


@pytest.mark.anyio
async def test_every_acknowledged_write_survives_sigkill(
    fresh_database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    started = time.monotonic()
    acknowledged, total = await anyio.to_thread.run_sync(
        _crash_and_check, fresh_database_url, tmp_path
    )
    report(request, acknowledged=len(acknowledged), rows_after_restart=total)
    if fresh_database_url.startswith("sqlite"):
        assert await anyio.to_thread.run_sync(_sqlite_integrity, fresh_database_url) == "ok"
    else:
        ids = await _postgres_ids(fresh_database_url)
        assert set(acknowledged) <= ids
        assert len(ids) == total
    assert time.monotonic() - started < 30, "the crash test must stay bounded"
