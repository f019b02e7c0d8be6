"""``/health`` tells the truth about the database, on a real server and a real PostgreSQL."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

POSTGRES_URL_VARIABLE = "PAUHU_CRM_TEST_POSTGRES_URL"
WAIT_SECONDS = 20.0

pytestmark = pytest.mark.postgres


def run_sql(url: str, *statements: str) -> None:
    """Run statements one by one on a connection of their own (outside any transaction)."""

    async def run() -> None:
        connection = await asyncpg.connect(url, timeout=10)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    anyio.run(run)


@pytest.fixture
def throwaway_postgres_url() -> Iterator[str]:
    """A database of its own on the test server, dropped at the end whatever happened."""
    admin_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not admin_url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set; this test makes its database unusable")
    name = f"pauhu_e2e_{uuid.uuid4().hex[:12]}"
    run_sql(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        run_sql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_for_health(base_url: str, status: int) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_SECONDS
    with httpx.Client(base_url=base_url, timeout=10) as client:
        while True:
            response = client.get("/health")
            if response.status_code == status or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def test_unhealthy_database_gives_503(
    throwaway_postgres_url: str, start_server: Callable[..., Any]
) -> None:
    admin_url = os.environ[POSTGRES_URL_VARIABLE]
    database = make_url(throwaway_postgres_url).database
    server = start_server(throwaway_postgres_url)

    run_sql(
        admin_url,
        f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false',
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'",
    )
    unhealthy = wait_for_health(server.base_url, 503)
    run_sql(admin_url, f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
    healthy = wait_for_health(server.base_url, 200)

    assert unhealthy["status"] == "unhealthy"
    assert unhealthy["service"] == "crm"
    assert healthy["status"] == "healthy"
