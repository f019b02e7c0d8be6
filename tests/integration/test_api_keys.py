"""API keys through ``crm.api_keys``, on SQLite and PostgreSQL: create, authenticate,
list, revoke — and what is (not) stored."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from pauhu_crm_adapters.sql import SqlStore
from pauhu_crm_adapters.sql.tables import api_keys
from pauhu_crm_core import CRM, ApiKey, NotFound, Unauthorized, ValidationFailed
from pauhu_crm_core.api_keys import INVALID_TOKEN_MESSAGE, hash_secret, parse_token
from pauhu_crm_core.testing import FrozenClock

pytestmark = pytest.mark.anyio


def other_workspace_id() -> str:
    return f"ws-test-{uuid.uuid4().hex[:16]}"


def secret_of(token: str) -> str:
    parsed = parse_token(token)
    assert parsed is not None
    return parsed[1]


async def test_a_created_key_authenticates_as_itself(crm: CRM, workspace_id: str) -> None:
    key, token = await crm.api_keys.create(workspace_id, "website form")
    assert await crm.api_keys.authenticate(token) == key


async def test_a_new_key_records_its_workspace_name_and_creation_time(
    crm: CRM, workspace_id: str, clock: FrozenClock
) -> None:
    key, token = await crm.api_keys.create(workspace_id, "  website form  ")
    assert key.workspace_id == workspace_id
    assert key.name == "website form"
    assert key.created_at == clock.now()
    assert key.revoked_at is None
    assert token.startswith(f"pcrm_{key.id}_")


async def test_every_key_gets_its_own_id_and_secret(crm: CRM, workspace_id: str) -> None:
    (first, first_token), (second, second_token) = [
        await crm.api_keys.create(workspace_id) for _ in range(2)
    ]
    assert first.id != second.id
    assert secret_of(first_token) != secret_of(second_token)


async def test_the_stored_row_holds_no_trace_of_the_secret(
    crm: CRM, store: SqlStore, workspace_id: str
) -> None:
    key, token = await crm.api_keys.create(workspace_id, "crm sync")
    secret = secret_of(token)
    async with store.engine.connect() as conn:
        row = (await conn.execute(select(api_keys).where(api_keys.c.id == key.id))).mappings().one()
    assert row["secret_hash"] == hash_secret(secret)
    stored_text = " ".join(str(value) for value in row.values())
    assert secret not in stored_text
    assert secret[:16] not in stored_text
    assert token not in stored_text


async def test_a_listed_key_carries_no_hash(crm: CRM, workspace_id: str) -> None:
    key, _ = await crm.api_keys.create(workspace_id)
    [listed] = await crm.api_keys.list(workspace_id)
    assert listed == key
    assert not hasattr(listed, "secret_hash")


def _wrong_secret(key: ApiKey, token: str) -> str:
    secret = secret_of(token)
    flipped = ("A" if secret[0] != "A" else "B") + secret[1:]
    return f"pcrm_{key.id}_{flipped}"


def _unknown_id(key: ApiKey, token: str) -> str:
    return f"pcrm_{uuid.uuid4()}_{secret_of(token)}"


def _malformed(key: ApiKey, token: str) -> str:
    return token[:-1] + "!"


def _made_up_secret(key: ApiKey, token: str) -> str:
    return f"pcrm_{key.id}_{'x' * 43}"


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(_wrong_secret, id="wrong-secret-right-id"),
        pytest.param(_made_up_secret, id="made-up-secret-right-id"),
        pytest.param(_unknown_id, id="unknown-id"),
        pytest.param(_malformed, id="malformed"),
        pytest.param(lambda key, token: "", id="empty"),
        pytest.param(lambda key, token: secret_of(token), id="secret-alone"),
    ],
)
async def test_a_forged_token_is_unauthorized_with_the_one_message(
    crm: CRM, workspace_id: str, forge: Callable[[ApiKey, str], str]
) -> None:
    key, token = await crm.api_keys.create(workspace_id)
    with pytest.raises(Unauthorized) as raised:
        await crm.api_keys.authenticate(forge(key, token))
    assert raised.value.message == INVALID_TOKEN_MESSAGE


async def test_a_revoked_key_is_unauthorized_with_the_same_message(
    crm: CRM, workspace_id: str
) -> None:
    key, token = await crm.api_keys.create(workspace_id)
    await crm.api_keys.revoke(key.id)
    with pytest.raises(Unauthorized) as raised:
        await crm.api_keys.authenticate(token)
    assert raised.value.message == INVALID_TOKEN_MESSAGE


async def test_revoking_one_key_leaves_the_workspaces_other_keys_working(
    crm: CRM, workspace_id: str
) -> None:
    revoked, _ = await crm.api_keys.create(workspace_id)
    kept, kept_token = await crm.api_keys.create(workspace_id)
    await crm.api_keys.revoke(revoked.id)
    assert await crm.api_keys.authenticate(kept_token) == kept


async def test_a_key_authenticates_as_its_own_workspace_only(crm: CRM, workspace_id: str) -> None:
    other = other_workspace_id()
    _, token = await crm.api_keys.create(workspace_id)
    _, other_token = await crm.api_keys.create(other)
    assert (await crm.api_keys.authenticate(token)).workspace_id == workspace_id
    assert (await crm.api_keys.authenticate(other_token)).workspace_id == other


@pytest.fixture
def statements(store: SqlStore) -> Iterator[list[str]]:
    """Every SQL statement the store's engine runs while the test does."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(store.engine.sync_engine, "before_cursor_execute", record)
    yield seen
    event.remove(store.engine.sync_engine, "before_cursor_execute", record)


async def test_authenticating_reads_the_key_in_one_query(
    crm: CRM, workspace_id: str, statements: list[str]
) -> None:
    _, token = await crm.api_keys.create(workspace_id)
    statements.clear()
    await crm.api_keys.authenticate(token)
    assert [s for s in statements if "api_keys" in s] == [
        s for s in statements if s.lstrip().upper().startswith("SELECT")
    ]
    assert len([s for s in statements if "api_keys" in s]) == 1


async def test_creating_a_key_creates_its_workspace_with_the_default_settings(
    crm: CRM, workspace_id: str, clock: FrozenClock
) -> None:
    await crm.api_keys.create(workspace_id)
    workspace = await crm.workspace(workspace_id).get()
    assert workspace.name == workspace_id
    assert workspace.timezone == "Europe/Helsinki"
    assert workspace.created_at == clock.now()


async def test_creating_a_key_keeps_an_existing_workspaces_settings(
    crm: CRM, workspace_id: str
) -> None:
    await crm.workspace(workspace_id).update(name="Pauhu", timezone="Europe/Stockholm")
    await crm.api_keys.create(workspace_id)
    workspace = await crm.workspace(workspace_id).get()
    assert (workspace.name, workspace.timezone) == ("Pauhu", "Europe/Stockholm")


@pytest.mark.parametrize(
    "bad_id",
    [
        pytest.param("WS-Upper", id="upper-case"),
        pytest.param("-ws", id="leading-dash"),
        pytest.param("w", id="too-short"),
        pytest.param("ws_" + "x" * 10, id="underscore"),
    ],
)
async def test_a_malformed_workspace_id_is_refused_on_workspace_id(crm: CRM, bad_id: str) -> None:
    with pytest.raises(ValidationFailed) as created:
        await crm.api_keys.create(bad_id)
    with pytest.raises(ValidationFailed) as listed:
        await crm.api_keys.list(bad_id)
    assert [d["field"] for d in created.value.details] == ["workspace_id"]
    assert [d["field"] for d in listed.value.details] == ["workspace_id"]


async def test_a_key_name_over_255_characters_is_refused_on_name(
    crm: CRM, workspace_id: str
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        await crm.api_keys.create(workspace_id, "x" * 256)
    assert [d["field"] for d in raised.value.details] == ["name"]


async def test_a_blank_key_name_is_no_name(crm: CRM, workspace_id: str) -> None:
    key, _ = await crm.api_keys.create(workspace_id, "   ")
    assert key.name is None


async def test_listing_a_workspace_shows_its_keys_newest_first(
    crm: CRM, workspace_id: str, clock: FrozenClock
) -> None:
    first, _ = await crm.api_keys.create(workspace_id, "first")
    clock.advance(minutes=1)
    second, _ = await crm.api_keys.create(workspace_id, "second")
    await crm.api_keys.create(other_workspace_id(), "elsewhere")
    assert await crm.api_keys.list(workspace_id) == (second, first)


async def test_keys_made_in_the_same_instant_list_newest_first_by_id(
    crm: CRM, workspace_id: str
) -> None:
    made = [(await crm.api_keys.create(workspace_id))[0] for _ in range(3)]
    listed = await crm.api_keys.list(workspace_id)
    assert [k.id for k in listed] == sorted((k.id for k in made), reverse=True)


async def test_listing_without_a_workspace_shows_every_workspaces_keys(
    crm: CRM, workspace_id: str, clock: FrozenClock
) -> None:
    ours, _ = await crm.api_keys.create(workspace_id)
    clock.advance(minutes=1)
    theirs, _ = await crm.api_keys.create(other_workspace_id())
    listed = [k for k in await crm.api_keys.list() if k.id in {ours.id, theirs.id}]
    assert listed == [theirs, ours]


async def test_a_workspace_without_keys_lists_none(crm: CRM) -> None:
    assert await crm.api_keys.list(other_workspace_id()) == ()


async def test_revoking_records_the_time_and_the_key_stays_listed(
    crm: CRM, workspace_id: str, clock: FrozenClock
) -> None:
    key, _ = await crm.api_keys.create(workspace_id)
    clock.advance(hours=1)
    revoked = await crm.api_keys.revoke(key.id)
    assert revoked.revoked_at == clock.now()
    assert await crm.api_keys.list(workspace_id) == (revoked,)


async def test_revoking_twice_keeps_the_first_revocation_time(
    crm: CRM, workspace_id: str, clock: FrozenClock
) -> None:
    key, _ = await crm.api_keys.create(workspace_id)
    first = await crm.api_keys.revoke(key.id)
    clock.advance(timedelta(days=1))
    again = await crm.api_keys.revoke(key.id)
    assert again == first
    assert again.revoked_at == clock.now() - timedelta(days=1)


@pytest.mark.parametrize(
    "key_id",
    [
        pytest.param(str(uuid.uuid4()), id="unknown"),
        pytest.param("not a key id!", id="malformed"),
        pytest.param("x" * 65, id="too-long"),
    ],
)
async def test_revoking_a_key_that_does_not_exist_is_not_found(crm: CRM, key_id: str) -> None:
    with pytest.raises(NotFound):
        await crm.api_keys.revoke(key_id)
