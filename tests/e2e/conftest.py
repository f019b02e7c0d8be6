"""Real ``pauhu-crm serve`` processes on loopback, for the end-to-end tests.

Every wait is bounded and every process is stopped in teardown: SIGTERM, a
bounded wait, then SIGKILL to whatever is left of its process group (``serve
--workers 2`` has children). Server output goes to a log file, never a pipe,
so a chatty server cannot block on a full pipe and the log can explain a
failure.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

import httpx
import pytest

HEALTH_TIMEOUT_SECONDS = 20.0
STOP_TIMEOUT_SECONDS = 10.0


def pauhu_crm_command() -> list[str]:
    """The installed console script next to this Python, else the CLI through ``-c``."""
    script = Path(sys.executable).parent / "pauhu-crm"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from pauhu_crm_apps.cli import main; main()"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_environment() -> dict[str, str]:
    """This environment without ``PAUHU_CRM_*`` settings, so that only the flags decide."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("PAUHU_CRM_") or name.startswith("PAUHU_CRM_TEST_")
    }


class Server:
    """A running ``pauhu-crm serve``: its base URL, its log, and how it stopped."""

    def __init__(self, process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
        self.process = process
        self.base_url = base_url
        self.log = log
        self.clean_shutdown: bool | None = None
        """Once stopped: whether SIGTERM alone ended the server and all its workers."""

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_healthy(self, timeout: float = HEALTH_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.base_url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    pytest.fail(f"serve exited with {self.process.returncode}:\n{self.log_text()}")
                with suppress(httpx.TransportError):
                    if client.get("/health").status_code == 200:
                        return
                time.sleep(0.1)
        pytest.fail(f"/health did not answer 200 within {timeout} s:\n{self.log_text()}")

    def stop(self) -> None:
        """SIGTERM and a bounded wait; then SIGKILL what is left of the group. Idempotent."""
        if self.clean_shutdown is not None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        # multiprocessing's helpers outlive the parent by a moment; a worker must not.
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS / 2
        while _live_members(self.process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.clean_shutdown = self.process.poll() is not None and not _live_members(
            self.process.pid
        )
        if not self.clean_shutdown:
            # The group is the server's own (start_new_session): this reaches nothing else.
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT_SECONDS)


def _live_members(group: int) -> list[int]:
    """The processes of a process group that are not yet zombies (Linux ``/proc``)."""
    proc = Path("/proc")
    if not proc.is_dir():  # elsewhere: whether anything, zombie or not, is in the group
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return []
        return [group]
    members = []
    for stat in proc.glob("[0-9]*/stat"):
        with suppress(OSError):
            # pid (comm) state ppid pgrp ...; comm may hold spaces, so split after ')'
            state, _ppid, pgrp = stat.read_text().rpartition(")")[2].split()[:3]
            if int(pgrp) == group and state != "Z":
                members.append(int(stat.parent.name))
    return members


@contextmanager
def running_server(
    database_url: str, log_dir: Path, *options: str, env: Mapping[str, str] | None = None
) -> Iterator[Server]:
    """``pauhu-crm serve`` on a free loopback port, healthy on entry, stopped on exit;
    ``env`` adds to its environment (which has no ``PAUHU_CRM_*`` settings otherwise)."""
    port = free_port()
    log = log_dir / f"serve-{port}.log"
    command = [
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
        *options,  # later flags win, so a test may raise the log level
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**clean_environment(), **(env or {})},
            start_new_session=True,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        server.wait_until_healthy()
        yield server
    finally:
        server.stop()


StartServer = Callable[..., Server]


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """``start_server(database_url, *serve_options)``: a healthy server, stopped in teardown."""
    with ExitStack() as servers:

        def start(database_url: str, *options: str) -> Server:
            return servers.enter_context(running_server(database_url, tmp_path, *options))

        yield start


@pytest.fixture
def server_database_url(database_url: str, tmp_path: Path) -> str:
    """A fresh SQLite file per test; PostgreSQL is the session's throw-away database."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'e2e.db'}"
    return database_url


@pytest.fixture
def server(server_database_url: str, start_server: StartServer) -> Server:
    """A real server (one worker) on SQLite and, when configured, on PostgreSQL."""
    return start_server(server_database_url)


@pytest.fixture
def base_url(server: Server) -> str:
    return server.base_url


@pytest.fixture
def pauhu_crm() -> list[str]:
    """The command line that runs ``pauhu-crm``."""
    return pauhu_crm_command()


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on right now."""
    return free_port()


@pytest.fixture
def child_environment() -> dict[str, str]:
    """The environment for a child process: no ``PAUHU_CRM_*`` settings leak in."""
    return clean_environment()
