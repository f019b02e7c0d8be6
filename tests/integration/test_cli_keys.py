"""``pauhu-crm keys``: create, list and revoke API keys from the command line (on SQLite)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from click.testing import CliRunner, Result

from pauhu_crm_apps.bootstrap import open_crm
from pauhu_crm_apps.cli_keys import keys
from pauhu_crm_core import ApiKey, Unauthorized

TOKEN = re.compile(r"^token:\s+(pcrm_\S+)$", re.MULTILINE)
KEY_ID = re.compile(r"^key id:\s+(\S+)$", re.MULTILINE)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'crm.db'}"


def run(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(keys, [*args, "--database-url", database_url])


def create(database_url: str, *args: str) -> tuple[str, str]:
    """``keys create`` → (key id, token)."""
    result = run(database_url, "create", *args)
    assert result.exit_code == 0, result.output
    key_id, token = KEY_ID.search(result.output), TOKEN.search(result.output)
    assert key_id is not None
    assert token is not None
    return key_id[1], token[1]


def authenticate(database_url: str, token: str) -> ApiKey:
    async def go() -> ApiKey:
        async with open_crm(database_url) as crm:
            return await crm.api_keys.authenticate(token)

    return anyio.run(go)


def test_create_prints_a_working_token_once_with_a_warning(database_url: str) -> None:
    result = run(database_url, "create", "--workspace", "ws-pauhu", "--name", "website")
    assert result.exit_code == 0, result.output
    token_match = TOKEN.search(result.output)
    assert token_match is not None
    token = token_match[1]
    assert result.output.count(token) == 1
    assert "will not be shown again" in result.output
    key = authenticate(database_url, token)
    assert (key.workspace_id, key.name) == ("ws-pauhu", "website")
    assert f"key id:    {key.id}" in result.output


def test_list_shows_every_key_without_its_token(database_url: str) -> None:
    first_id, first_token = create(database_url, "--workspace", "ws-one", "--name", "forms")
    second_id, second_token = create(database_url, "--workspace", "ws-two")
    result = run(database_url, "list")
    assert result.exit_code == 0, result.output
    header, *rows = result.output.splitlines()
    assert header.split() == ["ID", "WORKSPACE", "NAME", "CREATED", "REVOKED"]
    assert {row.split()[0] for row in rows} == {first_id, second_id}
    assert first_id in result.output
    assert "forms" in result.output
    assert first_token not in result.output
    assert second_token not in result.output
    assert "pcrm_" not in result.output


def test_list_of_one_workspace_shows_only_its_keys(database_url: str) -> None:
    ours, _ = create(database_url, "--workspace", "ws-one")
    theirs, _ = create(database_url, "--workspace", "ws-two")
    result = run(database_url, "list", "--workspace", "ws-one")
    assert result.exit_code == 0, result.output
    assert ours in result.output
    assert theirs not in result.output


def test_list_says_so_when_there_are_no_keys(database_url: str) -> None:
    result = run(database_url, "list")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "no API keys"


def test_revoke_stops_the_token_and_list_shows_when(database_url: str) -> None:
    key_id, token = create(database_url, "--workspace", "ws-pauhu")
    result = run(database_url, "revoke", key_id)
    assert result.exit_code == 0, result.output
    assert key_id in result.output
    [row] = run(database_url, "list").output.splitlines()[1:]
    assert re.search(r"\d{4}-\d{2}-\d{2}T\S+Z\s*$", row), row
    with pytest.raises(Unauthorized):
        authenticate(database_url, token)


def test_revoking_twice_succeeds_and_keeps_the_first_time(database_url: str) -> None:
    key_id, _ = create(database_url, "--workspace", "ws-pauhu")
    first = run(database_url, "revoke", key_id)
    again = run(database_url, "revoke", key_id)
    assert again.exit_code == 0, again.output
    assert again.output == first.output


def test_revoking_an_unknown_key_fails_with_a_message(database_url: str) -> None:
    result = run(database_url, "revoke", "0195f0c2-0000-7000-8000-000000000000")
    assert result.exit_code == 1
    assert "was not found" in result.output


def test_a_malformed_workspace_is_a_usage_error(database_url: str) -> None:
    result = run(database_url, "create", "--workspace", "Not Valid")
    assert result.exit_code == 2
    assert "workspace_id" in result.output


def test_create_needs_a_workspace(database_url: str) -> None:
    result = run(database_url, "create")
    assert result.exit_code == 2
    assert "--workspace" in result.output


def test_the_database_url_can_come_from_the_environment(database_url: str) -> None:
    result = CliRunner().invoke(
        keys,
        ["create", "--workspace", "ws-env"],
        env={"PAUHU_CRM_DATABASE_URL": database_url},
    )
    assert result.exit_code == 0, result.output
    assert "ws-env" in run(database_url, "list").output


@pytest.mark.parametrize(
    ("command", "explains"),
    [
        pytest.param([], "shown once", id="keys"),
        pytest.param(["create"], "shown only this once", id="create"),
        pytest.param(["list"], "never the tokens", id="list"),
        pytest.param(["revoke"], "stops working", id="revoke"),
    ],
)
def test_every_command_explains_itself(command: list[str], explains: str) -> None:
    result = CliRunner().invoke(keys, [*command, "--help"])
    assert result.exit_code == 0
    assert explains in " ".join(result.output.split())
    if command:
        assert "PAUHU_CRM_DATABASE_URL" in result.output


def test_keys_create_works_as_a_real_process(database_url: str) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pauhu_crm_apps.cli_keys import keys; keys()",
            "create",
            "--workspace",
            "ws-x",
            "--database-url",
            database_url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    token = TOKEN.search(completed.stdout)
    assert token is not None
    assert authenticate(database_url, token[1]).workspace_id == "ws-x"
