"""Every program in examples/ runs as a new user would run it, and does what it says."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TIMEOUT_SECONDS = 120


def environment(**extra: str) -> dict[str, str]:
    """This environment without PAUHU_CRM_* settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAUHU_CRM_")}
    return {**env, **extra}


def run_example(name: str, *args: str, cwd: Path, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        cwd=cwd,
        env=environment(**env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_library_script_prints_the_contacts_and_the_pipeline(tmp_path: Path) -> None:
    database = tmp_path / "crm.db"

    output = run_example("library_script.py", f"sqlite:///{database}", cwd=tmp_path)

    assert "Urząd Miasta Łodzi: 2 contacts" in output
    assert "Łukasz Wójcik <lukasz.wojcik@uml.lodz.pl.example>" in output
    assert "timeline: ['Demo for the digitalisation office']" in output
    assert "proposal: 1 deal(s), 35000.00 EUR, weighted 17500.00 EUR" in output
    assert database.is_file()


def test_the_library_script_works_in_a_temporary_database_by_default(tmp_path: Path) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()

    output = run_example("library_script.py", cwd=tmp_path, TMPDIR=str(temp))

    assert "pipeline:" in output
    assert [path.name for path in temp.glob("*/*")] == ["crm.db"]


def test_the_custom_mailer_writes_each_sequence_email_as_an_eml_file(tmp_path: Path) -> None:
    folder = tmp_path / "mail"

    output = run_example("custom_mailer.py", str(folder), cwd=tmp_path)
    again = run_example("custom_mailer.py", str(folder), cwd=tmp_path)

    files = sorted(folder.glob("*.eml"))
    assert "sent 1, errors 0" in output
    assert "sent 0, errors 0" in again
    assert len(files) == 1
    assert str(files[0]) in output
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == "kadri.ounapuu@ria.ee.example"
    assert message["List-Unsubscribe"].startswith("<http")
    assert message["Message-ID"].startswith("<")
    assert message.get_body(("plain",)) is not None
    assert message.get_body(("html",)) is not None


def test_the_embedded_api_answers_under_its_prefix(tmp_path: Path) -> None:
    output = run_example(
        "embed_in_starlette.py",
        "--check",
        cwd=tmp_path,
        PAUHU_CRM_DATABASE_URL=f"sqlite:///{tmp_path / 'crm.db'}",
    )

    assert output.splitlines() == [
        "GET / the host app; the CRM is under /crm",
        "GET /crm/health healthy",
        "POST /crm/v1/crm/contacts 201",
        "GET /crm/v1/crm/contacts?q=eleni 1",
        "openapi servers ['/crm']",
    ]


@pytest.fixture
def embedded_server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "embed_in_starlette.py"), "--port", str(port)],
        cwd=tmp_path,
        env=environment(PAUHU_CRM_DATABASE_URL=f"sqlite:///{tmp_path / 'crm.db'}"),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def test_the_embedding_host_serves_the_crm_under_crm(embedded_server: str) -> None:
    deadline = time.monotonic() + 20
    with httpx.Client(base_url=embedded_server, timeout=2) as client:
        while True:
            try:
                health = client.get("/crm/health")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        home = client.get("/")
        contacts = client.get("/crm/v1/crm/contacts", headers={"X-Workspace-ID": "ws-host"})

    assert health.json()["status"] == "healthy"
    assert home.text.startswith("the host app")
    assert contacts.json()["total"] == 0
