"""The SQL store's data protection, on SQLite and PostgreSQL: the suppression list, the audit
log, and what erasure deletes — a contact's activities, tasks, delivery records and the
outbox messages sent to its address, each in one statement that leaves other contacts'
rows and other workspaces alone. Also the migration to the privacy schema (0005 → 0006)
and the plans of the new reads.
"""

from __future__ import annotations

import inspect
import itertools
import math
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import anyio
import attrs
import pytest
from alembic import command
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, insert, select, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from pauhu_crm_adapters.sql import SqlStore, SqlUnitOfWork
from pauhu_crm_adapters.sql.engine import create_sql_engine
from pauhu_crm_adapters.sql.migrate import alembic_config, upgrade
from pauhu_crm_adapters.sql.repositories.base import IN_CHUNK
from pauhu_crm_adapters.sql.repositories.deliveries import delivery_values
from pauhu_crm_adapters.sql.repositories.outbox import outbox_message_values
from pauhu_crm_adapters.sql.repositories.privacy import audit_entry_values
from pauhu_crm_adapters.sql.tables import (
    audit_log,
    deliveries,
    outbox,
    suppressions,
    workspaces,
)
from pauhu_crm_core.entities import (
    Activity,
    AuditEntry,
    Contact,
    Delivery,
    DeliveryStatus,
    OutboxMessage,
    Task,
    Workspace,
)
from pauhu_crm_core.errors import Conflict, ValidationFailed
from pauhu_crm_core.ports import (
    ActivityFilter,
    ActivityRepository,
    AuditFilter,
    AuditRepository,
    DeliveryClaim,
    DeliveryRepository,
    OutboxRepository,
    SuppressionRepository,
    TaskFilter,
    TaskRepository,
    UnitOfWork,
)

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
_serial = itertools.count()


def new_id(prefix: str) -> str:
    return f"{prefix}-{next(_serial):06d}-{uuid.uuid4().hex[:8]}"


def email_hash(n: int | str) -> str:
    """A stand-in for the core's HMAC-SHA256 hex digest (64 hex characters)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, str(n)).hex * 2


def entry(**fields: Any) -> AuditEntry:
    values: dict[str, Any] = {
        "at": T0,
        "actor": "key-1",
        "action": "update",
        "resource": "contact",
        "resource_id": "c-1",
        "fields": ("email", "lifecycle_stage"),
        "request_id": "req-1",
    }
    return AuditEntry(id=fields.pop("id", None) or new_id("aud"), **(values | fields))


def activity(contact_id: str | None, *, at: datetime = T0) -> Activity:
    return Activity(
        id=new_id("act"),
        contact_id=contact_id,
        subject="Call",
        occurred_at=at,
        created_at=T0,
        updated_at=T0,
    )


def task(contact_id: str | None) -> Task:
    return Task(
        id=new_id("task"), title="Follow up", contact_id=contact_id, created_at=T0, updated_at=T0
    )


def claim(contact_id: str, step_index: int = 0) -> DeliveryClaim:
    return DeliveryClaim(
        id=new_id("dlv"),
        enrollment_id=f"enr-{contact_id}",
        step_index=step_index,
        contact_id=contact_id,
        sequence_id="seq-1",
        message_id=f"<{uuid.uuid4().hex}@pauhu.eu>",
    )


def message(to: str, *, at: datetime = T0) -> OutboxMessage:
    return OutboxMessage(
        id=new_id("out"),
        message_id=f"<{uuid.uuid4().hex}@pauhu.eu>",
        to=to,
        sender="sales@pauhu.eu",
        subject="Hello",
        text="Hi",
        html="<p>Hi</p>",
        headers={"List-Unsubscribe": "<https://pauhu.eu/u>"},
        created_at=at,
    )


async def open_workspace(store: SqlStore, workspace_id: str) -> None:
    async with store.unit_of_work(workspace_id) as uow:
        await uow.workspace.ensure(
            Workspace(id=workspace_id, name="Test", created_at=T0, updated_at=T0)
        )
        await uow.commit()


async def add_contacts(store: SqlStore, workspace_id: str, *ids: str) -> None:
    async with store.unit_of_work(workspace_id) as uow:
        for id in ids:
            await uow.contacts.add(Contact(id=id, created_at=T0, updated_at=T0))
        await uow.commit()


@pytest.fixture
async def two_workspaces(store: SqlStore, workspace_id: str) -> tuple[str, str]:
    """This test's workspace and another one, both existing."""
    other = f"{workspace_id}-b"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other)
    return workspace_id, other


@contextmanager
def statements_run(store: SqlStore) -> Iterator[list[tuple[str, Any]]]:
    """Every statement sent to the database meanwhile (bar PRAGMA/BEGIN), with its parameters."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if not statement.lstrip().upper().startswith(("PRAGMA", "BEGIN")):
            seen.append((statement, params))

    event.listen(store.engine.sync_engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", capture)


# -- conformance --------------------------------------------------------------------------------


async def test_the_unit_of_work_and_its_repositories_satisfy_the_privacy_ports(
    store: SqlStore, workspace_id: str
) -> None:
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert isinstance(uow, UnitOfWork)
        assert isinstance(uow.suppressions, SuppressionRepository)
        assert isinstance(uow.audit, AuditRepository)
        assert isinstance(uow.activities, ActivityRepository)
        assert isinstance(uow.tasks, TaskRepository)
        assert isinstance(uow.deliveries, DeliveryRepository)
        assert isinstance(uow.outbox, OutboxRepository)
        # ``isinstance`` on a protocol sees only names: check the new keyword arguments too.
        for port, repository, method in [
            (DeliveryRepository, uow.deliveries, "find"),
            (OutboxRepository, uow.outbox, "find"),
            (AuditRepository, uow.audit, "find"),
            (SuppressionRepository, uow.suppressions, "contains_any"),
        ]:
            wanted = inspect.signature(getattr(port, method)).parameters
            got = inspect.signature(getattr(repository, method)).parameters
            assert [(p.name, p.kind) for p in got.values()] == [
                (p.name, p.kind) for p in wanted.values() if p.name != "self"
            ], f"{port.__name__}.{method}"


# -- the suppression list -----------------------------------------------------------------------


async def test_a_suppressed_hash_is_found_and_others_are_not(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    async with store.unit_of_work(workspace_id) as uow:
        await uow.suppressions.add(email_hash("anna"), T0)
        await uow.commit()
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        found = await uow.suppressions.contains_any(
            [email_hash("anna"), email_hash("bert"), email_hash("anna")]
        )
        assert found == {email_hash("anna")}
        assert await uow.suppressions.contains_any({email_hash("bert")}) == set()


async def test_adding_a_hash_again_is_a_no_op_that_keeps_the_first_time(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    for n in range(2):
        async with store.unit_of_work(workspace_id) as uow:
            await uow.suppressions.add(email_hash("anna"), T0 + timedelta(days=n))
            await uow.suppressions.add(email_hash("anna"), T0 + timedelta(days=n, hours=1))
            await uow.commit()
    async with store.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(suppressions.c.email_hash, suppressions.c.created_at).where(
                    suppressions.c.workspace_id == workspace_id
                )
            )
        ).all()
    assert [tuple(row) for row in rows] == [(email_hash("anna"), T0)]


async def test_racing_erasures_of_one_address_both_succeed(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    committed: list[datetime] = []

    async def erase(at: datetime) -> None:
        async with store.unit_of_work(workspace_id) as uow:
            await uow.suppressions.add(email_hash("anna"), at)
            # Hold the transaction open: the other insert of the key waits on this one
            # (PostgreSQL) or for the write lock (SQLite), then must not fail.
            await anyio.sleep(0.2)
            await uow.commit()
        committed.append(at)

    async with anyio.create_task_group() as group:
        group.start_soon(erase, T0)
        group.start_soon(erase, T0 + timedelta(seconds=1))
    assert len(committed) == 2
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert await uow.suppressions.contains_any([email_hash("anna")]) == {email_hash("anna")}


async def test_contains_any_answers_many_hashes_in_one_in_query_per_chunk(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    suppressed = {email_hash(n) for n in range(0, 2400, 2)}
    async with store.unit_of_work(workspace_id) as uow:
        for h in sorted(suppressed):
            await uow.suppressions.add(h, T0)
        await uow.commit()
    asked = [email_hash(n) for n in range(2400)] + [email_hash(0)] * 10  # duplicates count once
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        with statements_run(store) as seen:
            assert await uow.suppressions.contains_any(asked) == suppressed
        assert len(seen) == math.ceil(2400 / IN_CHUNK)
        with statements_run(store) as seen:
            batch = [email_hash(n) for n in range(IN_CHUNK)]
            assert await uow.suppressions.contains_any(batch) == suppressed & set(batch)
        assert len(seen) == 1
        with statements_run(store) as seen:
            assert await uow.suppressions.contains_any([]) == set()
        assert seen == []


async def test_another_workspace_neither_sees_nor_shares_a_suppression(
    store: SqlStore, two_workspaces: tuple[str, str]
) -> None:
    a, b = two_workspaces
    async with store.unit_of_work(a) as uow:
        await uow.suppressions.add(email_hash("anna"), T0)
        await uow.commit()
    async with store.unit_of_work(b) as uow:
        assert await uow.suppressions.contains_any([email_hash("anna")]) == set()
        await uow.suppressions.add(email_hash("anna"), T0 + timedelta(days=1))  # its own entry
        await uow.suppressions.add(email_hash("bert"), T0)
        await uow.commit()
    async with store.unit_of_work(a, read_only=True) as uow:
        assert await uow.suppressions.contains_any([email_hash("anna"), email_hash("bert")]) == {
            email_hash("anna")
        }


async def test_a_suppression_needs_an_existing_workspace(
    store: SqlStore, workspace_id: str
) -> None:
    async with store.unit_of_work(workspace_id) as uow:
        with pytest.raises(ValidationFailed):
            await uow.suppressions.add(email_hash("anna"), T0)


# -- the audit log ------------------------------------------------------------------------------


async def audit_page(
    store: SqlStore, workspace_id: str, *, limit: int = 100, offset: int = 0, **filters: Any
) -> tuple[list[str], int]:
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        page = await uow.audit.find(AuditFilter(**filters), limit=limit, offset=offset)
    assert (page.limit, page.offset) == (limit, offset)
    return [e.id for e in page.items], page.total


async def test_an_audit_entry_reads_back_whole_in_utc(store: SqlStore, workspace_id: str) -> None:
    await open_workspace(store, workspace_id)
    helsinki_noon = datetime(2026, 3, 7, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    full = entry(at=helsinki_noon, fields=("email", "tags", "custom_fields"))
    bare = entry(actor="anonymous", action="erase", resource_id=None, fields=(), request_id=None)
    async with store.unit_of_work(workspace_id) as uow:
        await uow.audit.add(full)
        await uow.audit.add(bare)
        await uow.commit()
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        page = await uow.audit.find(AuditFilter(), limit=10, offset=0)
    assert set(page.items) == {full, bare}
    read_back = next(e for e in page.items if e.id == full.id)
    assert read_back.at == T0
    assert read_back.at.tzinfo == UTC
    assert read_back.fields == ("email", "tags", "custom_fields")


async def test_an_audit_entry_id_is_used_once_and_needs_an_existing_workspace(
    store: SqlStore, workspace_id: str
) -> None:
    async with store.unit_of_work(workspace_id) as uow:
        with pytest.raises(ValidationFailed):
            await uow.audit.add(entry())
    await open_workspace(store, workspace_id)
    first = entry()
    async with store.unit_of_work(workspace_id) as uow:
        await uow.audit.add(first)
        await uow.commit()
    async with store.unit_of_work(workspace_id) as uow:
        with pytest.raises(Conflict):
            await uow.audit.add(entry(id=first.id, action="delete"))


async def test_the_audit_log_is_newest_first_then_by_id_descending_and_paged_with_a_total(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    # Added out of order; three share one time, so their ids decide.
    entries = [
        entry(id="aud-b", at=T0 + timedelta(minutes=1)),
        entry(id="aud-a", at=T0 + timedelta(minutes=3)),
        entry(id="aud-x", at=T0 + timedelta(minutes=2)),
        entry(id="aud-z", at=T0 + timedelta(minutes=2)),
        entry(id="aud-y", at=T0 + timedelta(minutes=2)),
        entry(id="aud-c", at=T0),
    ]
    async with store.unit_of_work(workspace_id) as uow:
        for e in entries:
            await uow.audit.add(e)
        await uow.commit()
    newest_first = ["aud-a", "aud-z", "aud-y", "aud-x", "aud-b", "aud-c"]
    assert await audit_page(store, workspace_id) == (newest_first, 6)
    assert await audit_page(store, workspace_id, limit=2, offset=0) == (newest_first[:2], 6)
    assert await audit_page(store, workspace_id, limit=2, offset=2) == (newest_first[2:4], 6)
    assert await audit_page(store, workspace_id, limit=4, offset=4) == (newest_first[4:], 6)
    assert await audit_page(store, workspace_id, limit=4, offset=10) == ([], 6)


def _fields(e: AuditEntry) -> dict[str, Any]:
    return {name: getattr(e, name) for name in audit_entry_values(e)}


async def test_every_audit_filter_selects_its_entries_and_they_combine(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    rows = {
        "e1": entry(actor="key-1", action="create", resource="contact", resource_id="c-1"),
        "e2": entry(actor="key-1", action="update", resource="contact", resource_id="c-1"),
        "e3": entry(actor="key-2", action="update", resource="contact", resource_id="c-2"),
        "e4": entry(actor="anonymous", action="erase", resource="contact", resource_id=None),
        "e5": entry(actor="key-2", action="create", resource="deal", resource_id="c-1"),
        "e6": entry(actor="scheduler", action="run", resource="job", resource_id=None),
    }
    async with store.unit_of_work(workspace_id) as uow:
        for n, (name, e) in enumerate(rows.items()):
            # Later names are newer, so each expected list is in reverse name order.
            await uow.audit.add(entry(**{**_fields(e), "id": name, "at": T0 + timedelta(n)}))
        await uow.commit()

    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({}, ["e6", "e5", "e4", "e3", "e2", "e1"]),
        ({"resource": "contact"}, ["e4", "e3", "e2", "e1"]),
        ({"resource": "contact", "resource_id": "c-1"}, ["e2", "e1"]),
        ({"resource_id": "c-1"}, ["e5", "e2", "e1"]),
        ({"action": "update"}, ["e3", "e2"]),
        ({"actor": "key-2"}, ["e5", "e3"]),
        ({"actor": "key-1", "action": "update", "resource": "contact"}, ["e2"]),
        ({"actor": "anonymous", "action": "erase"}, ["e4"]),
        ({"actor": "key-3"}, []),
    ]
    for filters, expected in cases:
        assert await audit_page(store, workspace_id, **filters) == (expected, len(expected)), (
            filters
        )


async def test_another_workspace_sees_none_of_the_audit_log_and_may_reuse_its_ids(
    store: SqlStore, two_workspaces: tuple[str, str]
) -> None:
    a, b = two_workspaces
    async with store.unit_of_work(a) as uow:
        await uow.audit.add(entry(id="aud-1"))
        await uow.commit()
    assert await audit_page(store, b) == ([], 0)
    assert await audit_page(store, b, resource="contact", resource_id="c-1") == ([], 0)
    assert await audit_page(store, b, actor="key-1") == ([], 0)
    async with store.unit_of_work(b) as uow:
        await uow.audit.add(entry(id="aud-1", actor="key-9"))
        await uow.commit()
    assert await audit_page(store, a, actor="key-9") == ([], 0)
    assert await audit_page(store, a) == (["aud-1"], 1)


# -- erasure: activities and tasks --------------------------------------------------------------


async def test_delete_for_contact_deletes_only_that_contacts_activities_and_tasks(
    store: SqlStore, two_workspaces: tuple[str, str]
) -> None:
    a, b = two_workspaces
    # The same contact ids in both workspaces: ids are per workspace.
    for ws in (a, b):
        await add_contacts(store, ws, "c-anna", "c-bert")
        async with store.unit_of_work(ws) as uow:
            for contact_id in ("c-anna", "c-anna", "c-anna", "c-bert", None):
                await uow.activities.add(activity(contact_id))
            for contact_id in ("c-anna", "c-anna", "c-bert", None):
                await uow.tasks.add(task(contact_id))
            await uow.commit()

    async with store.unit_of_work(a) as uow:
        with statements_run(store) as seen:
            assert await uow.activities.delete_for_contact("c-anna") == 3
            assert await uow.tasks.delete_for_contact("c-anna") == 2
        assert [s.lstrip().split()[0].upper() for s, _ in seen] == ["DELETE", "DELETE"]
        assert await uow.activities.delete_for_contact("c-anna") == 0
        assert await uow.tasks.delete_for_contact("c-nobody") == 0
        await uow.commit()

    async def left(ws: str) -> tuple[list[str], list[str]]:
        async with store.unit_of_work(ws, read_only=True) as uow:
            acts = await uow.activities.find(ActivityFilter(), limit=50, offset=0)
            tasks_ = await uow.tasks.find(TaskFilter(), limit=50, offset=0)
        # "" stands for no contact.
        of_activities = sorted(x.contact_id or "" for x in acts.items)
        return of_activities, sorted(t.contact_id or "" for t in tasks_.items)

    assert await left(a) == (["", "c-bert"], ["", "c-bert"])
    assert await left(b) == (
        ["", "c-anna", "c-anna", "c-anna", "c-bert"],
        ["", "c-anna", "c-anna", "c-bert"],
    )
    # With its activities and tasks gone, the contact itself can go.
    async with store.unit_of_work(a) as uow:
        assert await uow.contacts.delete("c-anna")
        await uow.commit()


# -- erasure: deliveries ------------------------------------------------------------------------


async def claim_all(store: SqlStore, ws: str, claims: list[DeliveryClaim], at: datetime) -> None:
    async with store.unit_of_work(ws) as uow:
        await uow.deliveries.claim(claims, run_id=new_id("run"), at=at, max_attempts=3)
        await uow.commit()


async def test_deliveries_are_found_by_contact_newest_first_and_with_the_status_filter(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    anna = [claim("c-anna", step) for step in range(3)]
    await claim_all(store, workspace_id, anna[:2], T0)
    await claim_all(store, workspace_id, [anna[2], claim("c-bert")], T0 + timedelta(hours=1))
    async with store.unit_of_work(workspace_id) as uow:
        [sent] = [
            d for d in (await uow.deliveries.find(limit=10, offset=0)).items if d.id == anna[0].id
        ]
        await uow.deliveries.record([attrs.evolve(sent, status=DeliveryStatus.SENT, sent_at=T0)])
        await uow.commit()
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        page = await uow.deliveries.find(contact_id="c-anna", limit=10, offset=0)
        assert [d.id for d in page.items] == [
            anna[2].id,
            *sorted((anna[0].id, anna[1].id), reverse=True),
        ]
        assert page.total == 3
        paged = await uow.deliveries.find(contact_id="c-anna", limit=1, offset=1)
        assert (len(paged.items), paged.total) == (1, 3)
        sent_page = await uow.deliveries.find(
            contact_id="c-anna", status=DeliveryStatus.SENT, limit=10, offset=0
        )
        assert [d.id for d in sent_page.items] == [anna[0].id]
        assert (await uow.deliveries.find(contact_id="c-nobody", limit=10, offset=0)).total == 0
        assert (await uow.deliveries.find(limit=10, offset=0)).total == 4


async def test_delete_for_contact_deletes_only_that_contacts_deliveries_whatever_their_state(
    store: SqlStore, two_workspaces: tuple[str, str]
) -> None:
    a, b = two_workspaces
    for ws in (a, b):
        await claim_all(store, ws, [claim("c-anna", 0), claim("c-anna", 1), claim("c-bert")], T0)
    async with store.unit_of_work(a) as uow:
        [first, *_] = (await uow.deliveries.find(contact_id="c-anna", limit=10, offset=0)).items
        await uow.deliveries.record([attrs.evolve(first, status=DeliveryStatus.SENT, sent_at=T0)])
        with statements_run(store) as seen:
            assert await uow.deliveries.delete_for_contact("c-anna") == 2
        assert [s.lstrip().split()[0].upper() for s, _ in seen] == ["DELETE"]
        assert await uow.deliveries.delete_for_contact("c-anna") == 0
        await uow.commit()
    async with store.unit_of_work(a, read_only=True) as uow:
        left = (await uow.deliveries.find(limit=10, offset=0)).items
        assert [d.contact_id for d in left] == ["c-bert"]
    async with store.unit_of_work(b, read_only=True) as uow:
        assert (await uow.deliveries.find(contact_id="c-anna", limit=10, offset=0)).total == 2
        assert (await uow.deliveries.find(limit=10, offset=0)).total == 3


# -- erasure: the outbox ------------------------------------------------------------------------


async def test_outbox_messages_are_found_by_recipient_newest_first(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    to_anna = [message("anna@example.fi", at=T0 + timedelta(minutes=n)) for n in range(3)]
    async with store.unit_of_work(workspace_id) as uow:
        for m in [*to_anna, message("bert@example.fi")]:
            await uow.outbox.add(m)
        await uow.commit()
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        page = await uow.outbox.find(to="anna@example.fi", limit=2, offset=0)
        assert page.items == (to_anna[2], to_anna[1])
        assert page.total == 3
        rest = await uow.outbox.find(to="anna@example.fi", limit=2, offset=2)
        assert rest.items == (to_anna[0],)
        assert (await uow.outbox.find(to="nobody@example.fi", limit=2, offset=0)).total == 0
        assert (await uow.outbox.find(limit=10, offset=0)).total == 4


async def test_delete_to_deletes_only_the_messages_sent_to_that_address_in_its_workspace(
    store: SqlStore, two_workspaces: tuple[str, str]
) -> None:
    a, b = two_workspaces
    for ws in (a, b):
        async with store.unit_of_work(ws) as uow:
            for to in ("anna@example.fi", "anna@example.fi", "bert@example.fi"):
                await uow.outbox.add(message(to))
            await uow.commit()
    async with store.unit_of_work(a) as uow:
        with statements_run(store) as seen:
            assert await uow.outbox.delete_to("anna@example.fi") == 2
        assert [s.lstrip().split()[0].upper() for s, _ in seen] == ["DELETE"]
        assert await uow.outbox.delete_to("anna@example.fi") == 0
        await uow.commit()
    async with store.unit_of_work(a, read_only=True) as uow:
        assert [m.to for m in (await uow.outbox.find(limit=10, offset=0)).items] == [
            "bert@example.fi"
        ]
    async with store.unit_of_work(b, read_only=True) as uow:
        assert (await uow.outbox.find(to="anna@example.fi", limit=10, offset=0)).total == 2


async def test_an_erasure_left_uncommitted_deletes_nothing(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    await add_contacts(store, workspace_id, "c-anna")
    async with store.unit_of_work(workspace_id) as uow:
        await uow.activities.add(activity("c-anna"))
        await uow.outbox.add(message("anna@example.fi"))
        await uow.commit()
    async with store.unit_of_work(workspace_id) as uow:
        assert await uow.activities.delete_for_contact("c-anna") == 1
        assert await uow.outbox.delete_to("anna@example.fi") == 1
        await uow.suppressions.add(email_hash("anna"), T0)
        # No commit: leaving the block rolls it all back.
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert (await uow.activities.find(ActivityFilter(), limit=5, offset=0)).total == 1
        assert (await uow.outbox.find(to="anna@example.fi", limit=5, offset=0)).total == 1
        assert await uow.suppressions.contains_any([email_hash("anna")]) == set()


# -- migration 0005 -> 0006 ---------------------------------------------------------------------


@pytest.fixture
async def fresh_engine(fresh_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_sql_engine(fresh_database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def _revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def _indexes(engine: AsyncEngine) -> dict[str, set[str]]:
    def read(sync: Connection) -> dict[str, set[str]]:
        inspector = sa_inspect(sync)
        return {
            table: {str(ix["name"]) for ix in inspector.get_indexes(table)}
            for table in inspector.get_table_names()
        }

    async with engine.connect() as conn:
        return await conn.run_sync(read)


async def test_0006_adds_the_privacy_tables_to_a_0005_database_keeping_its_rows(
    fresh_engine: AsyncEngine,
) -> None:
    await upgrade(fresh_engine, "0005_job_runs")
    store = SqlStore(fresh_engine)
    await open_workspace(store, "ws-old")
    old_messages = [message("anna@example.fi"), message("bert@example.fi")]
    async with store.unit_of_work("ws-old") as uow:
        for m in old_messages:
            await uow.outbox.add(m)
        await uow.deliveries.claim(
            [claim("c-anna"), claim("c-bert")], run_id="run-1", at=T0, max_attempts=3
        )
        await uow.commit()
    before = await _indexes(fresh_engine)
    assert not {"suppressions", "audit_log"} & before.keys()

    await upgrade(fresh_engine, "0006_privacy")
    assert await _revision(fresh_engine) == "0006_privacy"
    after = await _indexes(fresh_engine)
    assert after["audit_log"] >= {"ix_audit_log_at", "ix_audit_log_resource", "ix_audit_log_actor"}
    assert "suppressions" in after
    assert after["outbox"] - before["outbox"] == {"ix_outbox_to"}
    assert after["deliveries"] - before["deliveries"] == {"ix_deliveries_contact"}

    # The old rows are there and the new members work on them; the new tables work too.
    async with store.unit_of_work("ws-old") as uow:
        assert (await uow.outbox.find(to="anna@example.fi", limit=5, offset=0)).items == (
            old_messages[0],
        )
        assert (await uow.deliveries.find(contact_id="c-anna", limit=5, offset=0)).total == 1
        assert await uow.outbox.delete_to("anna@example.fi") == 1
        assert await uow.deliveries.delete_for_contact("c-anna") == 1
        await uow.suppressions.add(email_hash("anna"), T0)
        await uow.audit.add(entry(id="aud-erase", action="erase", fields=()))
        await uow.commit()
    async with store.unit_of_work("ws-old", read_only=True) as uow:
        assert await uow.suppressions.contains_any([email_hash("anna")]) == {email_hash("anna")}
        assert [e.id for e in (await uow.audit.find(AuditFilter(), limit=5, offset=0)).items] == [
            "aud-erase"
        ]
        assert (await uow.outbox.find(limit=5, offset=0)).items == (old_messages[1],)

    # And back: 0006's downgrade removes exactly what it added.
    def downgrade(sync: Connection) -> None:
        command.downgrade(alembic_config(sync), "0005_job_runs")

    async with fresh_engine.begin() as conn:
        await conn.run_sync(downgrade)
    assert await _revision(fresh_engine) == "0005_job_runs"
    assert await _indexes(fresh_engine) == before
    async with store.unit_of_work("ws-old", read_only=True) as uow:
        assert (await uow.outbox.find(limit=5, offset=0)).items == (old_messages[1],)


# -- query plans --------------------------------------------------------------------------------

PLAN_WS = "ws-plan"


async def _fill_for_plans(engine: AsyncEngine) -> None:
    """Twenty workspaces, each with 500 audit entries, outbox messages and deliveries."""
    ids = [PLAN_WS, *(f"ws-{n:03d}" for n in range(19))]
    audit_rows, outbox_rows, delivery_rows = [], [], []
    actors = [f"key-{n}" for n in range(10)]
    for ws in ids:
        for n in range(500):
            at = T0 + timedelta(minutes=n)
            audit_rows.append(
                {"workspace_id": ws}
                | audit_entry_values(
                    entry(
                        id=f"aud-{n:05d}",
                        at=at,
                        actor=actors[n % 10],
                        action=("create", "update", "delete")[n % 3],
                        resource=("contact", "deal", "task", "company")[n % 4],
                        resource_id=f"r-{n % 50:03d}",
                    )
                )
            )
            m = message(f"person-{n % 100:03d}@example.fi", at=at)
            outbox_rows.append({"workspace_id": ws} | outbox_message_values(m))
            d = Delivery(
                id=f"dlv-{n:05d}",
                enrollment_id=f"enr-{n:05d}",
                step_index=0,
                contact_id=f"c-{n % 100:03d}",
                sequence_id="seq-1",
                message_id=m.message_id,
                status=DeliveryStatus.SENT,
                run_id="run-1",
                claimed_at=at,
                sent_at=at,
            )
            delivery_rows.append({"workspace_id": ws} | delivery_values(d))
    async with engine.begin() as conn:
        workspace = {"name": "P", "timezone": "UTC", "auto_enroll": True}
        await conn.execute(
            insert(workspaces),
            [{"id": id, "created_at": T0, "updated_at": T0, **workspace} for id in ids],
        )
        await conn.execute(insert(audit_log), audit_rows)
        await conn.execute(insert(outbox), outbox_rows)
        await conn.execute(insert(deliveries), delivery_rows)
        await conn.execute(text("ANALYZE"))


async def _plan(engine: AsyncEngine, work: Callable[[SqlUnitOfWork], Awaitable[object]]) -> str:
    """The query plan of the first SELECT or DELETE that ``work`` runs (rolled back)."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "DELETE")):
            statements.append((statement, parameters))

    store = SqlStore(engine)
    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with store.unit_of_work(PLAN_WS) as uow:
            await work(uow)  # never committed
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    statement, parameters = statements[0]
    async with engine.connect() as conn:
        explain = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
        result = await conn.exec_driver_sql(explain + statement, parameters)
        plan = "\n".join(" ".join(str(part) for part in row) for row in result)
        await conn.rollback()
    return plan


async def test_the_privacy_reads_and_deletes_use_their_indexes(fresh_engine: AsyncEngine) -> None:
    await upgrade(fresh_engine)
    await _fill_for_plans(fresh_engine)

    def audit(**filters: str) -> Callable[[SqlUnitOfWork], Awaitable[object]]:
        async def read(uow: SqlUnitOfWork) -> None:
            page = await uow.audit.find(AuditFilter(**filters), limit=20, offset=0)
            assert page.items
            assert [e.at for e in page.items] == sorted((e.at for e in page.items), reverse=True)

        return read

    async def outbox_to(uow: SqlUnitOfWork) -> None:
        assert (await uow.outbox.find(to="person-007@example.fi", limit=20, offset=0)).total == 5

    async def deliveries_of(uow: SqlUnitOfWork) -> None:
        assert (await uow.deliveries.find(contact_id="c-007", limit=20, offset=0)).total == 5

    async def delete_to(uow: SqlUnitOfWork) -> None:
        assert await uow.outbox.delete_to("person-007@example.fi") == 5

    async def delete_deliveries(uow: SqlUnitOfWork) -> None:
        assert await uow.deliveries.delete_for_contact("c-007") == 5

    plans = {
        "audit": await _plan(fresh_engine, audit()),
        "audit by resource": await _plan(
            fresh_engine, audit(resource="contact", resource_id="r-004")
        ),
        "audit by actor": await _plan(fresh_engine, audit(actor="key-3")),
        "outbox to": await _plan(fresh_engine, outbox_to),
        "deliveries of": await _plan(fresh_engine, deliveries_of),
        "delete_to": await _plan(fresh_engine, delete_to),
        "delete_for_contact": await _plan(fresh_engine, delete_deliveries),
    }
    name = fresh_engine.dialect.name
    print("".join(f"\n{name} {read} plan:\n{plan}" for read, plan in plans.items()))
    assert "ix_audit_log_at" in plans["audit"]
    assert "ix_audit_log_resource" in plans["audit by resource"]
    assert "ix_audit_log_actor" in plans["audit by actor"]
    assert "ix_outbox_to" in plans["outbox to"]
    assert "ix_deliveries_contact" in plans["deliveries of"]
    assert "ix_outbox_to" in plans["delete_to"]
    assert "ix_deliveries_contact" in plans["delete_for_contact"]
    # Each list's order is its index read backwards: no sorting step.
    sort = "TEMP B-TREE" if name == "sqlite" else "Sort"
    for read in ("audit", "audit by resource", "audit by actor", "outbox to", "deliveries of"):
        assert sort not in plans[read], read
