"""Helpers of the reliability suite: real ``pauhu-crm serve`` processes with settings from env.

``tests/e2e/conftest.py``'s ``running_server`` clears every ``PAUHU_CRM_*``
variable; these tests need to set a few (the rate limit off), so they start
the server themselves, with the same ``Server`` class and the same teardown.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Server, clean_environment, free_port, pauhu_crm_command

UNLIMITED = {"PAUHU_CRM_RATE_LIMIT_PER_SECOND": "0", "PAUHU_CRM_RATE_LIMIT_BURST": "0"}


def start_serve(database_url: str, log_dir: Path, env: dict[str, str] | None = None) -> Server:
    """A healthy ``pauhu-crm serve`` (one worker, own process group); the caller stops it."""
    port = free_port()
    log = log_dir / f"serve-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                *pauhu_crm_command(),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--database-url",
                database_url,
                "--log-level",
                "warning",
            ],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**clean_environment(), **UNLIMITED, **(env or {})},
            start_new_session=True,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        server.wait_until_healthy()
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def serving(
    database_url: str, log_dir: Path, env: dict[str, str] | None = None
) -> Iterator[Server]:
    server = start_serve(database_url, log_dir, env)
    try:
        yield server
    finally:
        server.stop()


def report(request: pytest.FixtureRequest, **numbers: Any) -> None:
    """Numbers a test measured: in its ``user_properties`` (JUnit XML) and the terminal summary."""
    request.node.user_properties.extend(numbers.items())
