"""No secret ever reaches the server log or an error body.

A real ``pauhu-crm serve`` runs at ``--log-level debug`` in ``api_key`` mode,
with an SMTP mail URL holding a password and the OpenAI-compatible scorer with
an API key — both pointing at loopback ports nothing listens on, so every
send and every evaluation fails, and is logged. Requests use the API key
(right, wrong, and for another workspace), run the engine and the scorer,
and follow an unsubscribe link. Then the whole log, and every response body,
is searched for the API key, its secret, the SMTP password, the LLM key, the
unsubscribe token and the secret that signs it: none may appear.
"""

from __future__ import annotations

import logging
import re
import subprocess
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from pauhu_crm_apps.api.access_log import ACCESS_LOGGER, redact_access_log
from pauhu_crm_core.api_keys import format_token, parse_token
from pauhu_crm_core.unsubscribe import make_token
from tests.e2e.conftest import clean_environment, free_port, pauhu_crm_command, running_server

WORKSPACE = "ws-secrets"
OTHER_WORKSPACE = "ws-secrets-other"


def _secret(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex}"


def create_key(database_url: str, workspace: str) -> str:
    command = ["keys", "create", "--workspace", workspace, "--database-url", database_url]
    made = subprocess.run(
        [*pauhu_crm_command(), *command],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=clean_environment(),
    )
    match = re.search(r"token:\s+(\S+)", made.stdout)
    assert match, made.stdout
    return match[1]


def test_no_secret_reaches_the_log_or_an_error_body(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'secrets.db'}"
    token = create_key(database_url, WORKSPACE)
    create_key(database_url, OTHER_WORKSPACE)
    parsed = parse_token(token)
    assert parsed is not None
    key_id, key_secret = parsed
    smtp_password = _secret("smtp-password")
    llm_key = _secret("llm-key")
    unsubscribe_secret = _secret("unsubscribe-secret")
    closed_smtp, closed_llm = free_port(), free_port()
    env = {
        "PAUHU_CRM_MAIL_URL": f"smtp://crm:{quote(smtp_password)}@127.0.0.1:{closed_smtp}"
        "?security=none&timeout=2",
        "PAUHU_CRM_SCORER": "openai",
        "PAUHU_CRM_SCORER_BASE_URL": f"http://127.0.0.1:{closed_llm}/v1",
        "PAUHU_CRM_SCORER_MODEL": "any-model",
        "PAUHU_CRM_SCORER_API_KEY": llm_key,
        "PAUHU_CRM_UNSUBSCRIBE_SECRET": unsubscribe_secret,
    }
    responses: list[httpx.Response] = []
    options = ("--auth-mode", "api_key", "--log-level", "debug")

    with (
        running_server(database_url, tmp_path, *options, env=env) as server,
        httpx.Client(base_url=server.base_url, timeout=60) as client,
    ):

        def call(
            method: str,
            path: str,
            *,
            key: str | None = token,
            workspace: str = WORKSPACE,
            headers: dict[str, str] | None = None,
            **kwargs: Any,
        ) -> httpx.Response:
            sent = {"X-Workspace-ID": workspace, **(headers or {})}
            if key is not None:
                sent["Authorization"] = f"Bearer {key}"
            response = client.request(method, path, headers=sent, **kwargs)
            responses.append(response)
            return response

        company = call("POST", "/v1/crm/companies", json={"name": "Leak Oy"}).json()
        contact = call(
            "POST",
            "/v1/crm/contacts",
            json={"email": "sanna@leak.fi", "first_name": "Sanna", "company_id": company["id"]},
        ).json()
        enrolled = call(
            "POST",
            "/v1/sequences/seq-hot-sovereign/enrollments",
            json={"contact_id": contact["id"]},
        )
        run = call("POST", "/run")
        scored = call("POST", "/score")
        wrong_secret = call("GET", "/v1/crm/contacts", key=format_token(key_id, "x" * 43))
        malformed = call("GET", "/v1/crm/contacts", key=f"{token}-extra")
        foreign = call("GET", "/v1/crm/contacts", workspace=OTHER_WORKSPACE)
        link = make_token(unsubscribe_secret, WORKSPACE, contact["id"])
        page = call("GET", f"/unsubscribe?token={link}", key=None)
        unsubscribed = call(
            "POST",
            f"/unsubscribe?token={link}",
            key=None,
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    # Every path that handles a secret ran, and failed where it should.
    assert enrolled.status_code == 201, enrolled.text
    assert (run.status_code, run.json()["sent"]) == (200, 0), run.text
    assert scored.status_code == 200, scored.text
    assert scored.json()["errors"] >= 1, scored.text
    assert (wrong_secret.status_code, malformed.status_code, foreign.status_code) == (401, 401, 403)
    assert (page.status_code, unsubscribed.status_code) == (200, 200)
    text = server.log_text()
    assert '"POST /run HTTP/1.1" 200' in text  # the access log was on
    assert "/unsubscribe?token=[redacted]" in text
    secrets = {
        "API key": token,
        "API key secret": key_secret,
        "SMTP password": smtp_password,
        "LLM API key": llm_key,
        "unsubscribe token": link,
        "unsubscribe secret": unsubscribe_secret,
    }
    for name, secret in secrets.items():
        assert secret not in text, f"the server log holds the {name}"
        for response in responses:
            assert secret not in response.text, f"{response.request.url} answered the {name}"


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        pytest.param("/unsubscribe?token=abc.def", "/unsubscribe?token=[redacted]", id="token"),
        pytest.param("/x?a=1&API_KEY=k&b=2", "/x?a=1&API_KEY=[redacted]&b=2", id="among-others"),
        pytest.param("/x?tokens=1&q=token", "/x?tokens=1&q=token", id="other-names-kept"),
        pytest.param("/v1/crm/contacts", "/v1/crm/contacts", id="no-query"),
    ],
)
def test_the_access_log_redacts_secret_query_parameters(
    path: str, logged: str, caplog: pytest.LogCaptureFixture
) -> None:
    redact_access_log()
    access = logging.getLogger(ACCESS_LOGGER)

    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "GET", path, "1.1", 200)

    assert caplog.records[-1].getMessage() == f'127.0.0.1:1 - "GET {logged} HTTP/1.1" 200'
