"""Deliveries on SQLite and PostgreSQL: claims that make each (enrolment, step) sent at most
once — also when runs race in one process or in several — retries of failed sends,
uncertain claims, and outcomes.
"""

from __future__ import annotations

import json
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import anyio
import anyio.lowlevel
import attrs
import pytest

from pauhu_crm_adapters.sql import SqlStore
from pauhu_crm_core.entities import Delivery, DeliveryStatus, Workspace
from pauhu_crm_core.ports import DeliveryClaim

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
MAX_ATTEMPTS = 3


async def open_workspace(store: SqlStore, workspace_id: str) -> None:
    async with store.unit_of_work(workspace_id) as uow:
        await uow.workspace.ensure(
            Workspace(id=workspace_id, name="Test", created_at=T0, updated_at=T0)
        )
        await uow.commit()


def claim(enrollment_id: str, step_index: int = 0) -> DeliveryClaim:
    return DeliveryClaim(
        id=f"dlv-{uuid.uuid4().hex}",
        enrollment_id=enrollment_id,
        step_index=step_index,
        contact_id=f"cont-of-{enrollment_id}",
        sequence_id="seq-hot-sovereign",
        message_id=f"<{enrollment_id}.{step_index}@pauhu.eu>",
    )


async def claim_in_own_unit(
    store: SqlStore,
    workspace_id: str,
    claims: Sequence[DeliveryClaim],
    run_id: str,
    at: datetime = T0,
) -> list[Delivery]:
    async with store.unit_of_work(workspace_id) as uow:
        owned = await uow.deliveries.claim(claims, run_id=run_id, at=at, max_attempts=MAX_ATTEMPTS)
        await uow.commit()
    return list(owned)


async def record(store: SqlStore, workspace_id: str, *deliveries: Delivery) -> None:
    async with store.unit_of_work(workspace_id) as uow:
        await uow.deliveries.record(deliveries)
        await uow.commit()


async def stored(store: SqlStore, workspace_id: str, id: str) -> Delivery | None:
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        return await uow.deliveries.get(id)


# -- claiming -----------------------------------------------------------------------------------


async def test_a_first_claim_inserts_claimed_rows_that_the_run_owns(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    first, second = claim("enr-1", 0), claim("enr-2", 2)
    owned = await claim_in_own_unit(store, workspace_id, [second, first], "run-1")
    expected = [
        Delivery(
            id=c.id,
            enrollment_id=c.enrollment_id,
            step_index=c.step_index,
            contact_id=c.contact_id,
            sequence_id=c.sequence_id,
            message_id=c.message_id,
            status=DeliveryStatus.CLAIMED,
            attempts=1,
            run_id="run-1",
            claimed_at=T0,
        )
        for c in (first, second)
    ]
    assert owned == expected
    assert await stored(store, workspace_id, first.id) == expected[0]
    async with store.unit_of_work(workspace_id) as uow:
        assert await uow.deliveries.claim([], run_id="run-1", at=T0, max_attempts=3) == []


async def test_a_pair_that_is_claimed_or_sent_is_not_claimed_again(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    [live] = await claim_in_own_unit(store, workspace_id, [claim("enr-1")], "run-1")
    [sent] = await claim_in_own_unit(store, workspace_id, [claim("enr-2")], "run-1")
    await record(store, workspace_id, attrs.evolve(sent, status=DeliveryStatus.SENT, sent_at=T0))
    fresh = claim("enr-3")
    owned = await claim_in_own_unit(
        store, workspace_id, [claim("enr-1"), claim("enr-2"), fresh], "run-2"
    )
    assert [d.id for d in owned] == [fresh.id]
    assert await stored(store, workspace_id, live.id) == live
    # Another step of the same enrolment is another pair.
    assert len(await claim_in_own_unit(store, workspace_id, [claim("enr-1", 1)], "run-2")) == 1


async def test_concurrent_runs_own_every_pair_exactly_once(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    pairs = [(f"enr-{n:02d}", step) for n in range(20) for step in (0, 1)]
    owned_by: dict[str, list[Delivery]] = {}

    async def run(number: int) -> None:
        # Overlapping batches in different orders, like runs that read the due list at
        # different moments.
        chosen = random.Random(number).sample(pairs, k=30)
        await anyio.lowlevel.checkpoint()
        owned_by[f"run-{number}"] = await claim_in_own_unit(
            store, workspace_id, [claim(*pair) for pair in chosen], f"run-{number}"
        )

    async with anyio.create_task_group() as group:
        for number in range(6):
            group.start_soon(run, number)

    owners = Counter((d.enrollment_id, d.step_index) for ds in owned_by.values() for d in ds)
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        rows = (await uow.deliveries.find(limit=100, offset=0)).items
    requested = {pair for n in range(6) for pair in random.Random(n).sample(pairs, k=30)}
    assert set(owners) == requested
    assert set(owners.values()) == {1}
    assert len(rows) == len(requested)
    assert {d.id: d.run_id for d in rows} == {
        d.id: run_id for run_id, ds in owned_by.items() for d in ds
    }


_CLAIMER = """
import anyio, json, sys, time
from datetime import datetime
from pauhu_crm_adapters.sql import open_sql_store
from pauhu_crm_core.ports import DeliveryClaim

async def main(url, workspace_id, run_id, start_at, claims):
    store = await open_sql_store(url, migrate=False)
    try:
        time.sleep(max(0.0, start_at - time.time()))
        async with store.unit_of_work(workspace_id) as uow:
            owned = await uow.deliveries.claim(
                [DeliveryClaim(**c) for c in claims], run_id=run_id,
                at=datetime.fromisoformat("2026-03-07T10:00:00+00:00"), max_attempts=3,
            )
            await uow.commit()
    finally:
        await store.aclose()
    print(json.dumps([[d.enrollment_id, d.step_index] for d in owned]))

anyio.run(main, *json.loads(sys.argv[1]))
"""


async def test_runs_in_separate_processes_own_every_pair_exactly_once(
    store: SqlStore, workspace_id: str, database_url: str
) -> None:
    await open_workspace(store, workspace_id)
    pairs = [(f"enr-{n:02d}", 0) for n in range(15)]
    start_at = time.time() + 2.0  # every process has connected by then, so they overlap
    results: dict[int, list[tuple[str, int]]] = {}

    async def run(number: int) -> None:
        chosen = random.Random(number).sample(pairs, k=10)
        claims = [attrs.asdict(claim(*pair)) for pair in chosen]
        argument = json.dumps([database_url, workspace_id, f"run-{number}", start_at, claims])
        done = await anyio.run_process([sys.executable, "-c", _CLAIMER, argument])
        results[number] = [tuple(pair) for pair in json.loads(done.stdout)]

    with anyio.fail_after(60):
        async with anyio.create_task_group() as group:
            for number in range(6):
                group.start_soon(run, number)
    owners = Counter(pair for owned in results.values() for pair in owned)
    assert set(owners) == {p for n in range(6) for p in random.Random(n).sample(pairs, k=10)}
    assert set(owners.values()) == {1}


# -- failures, uncertainty and outcomes ---------------------------------------------------------


async def test_a_failed_delivery_is_claimed_again_until_it_has_had_max_attempts(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    attempts: list[Delivery] = []
    for number in range(MAX_ATTEMPTS + 1):
        at = T0 + timedelta(hours=number)
        owned = await claim_in_own_unit(
            store, workspace_id, [claim("enr-1")], f"run-{number}", at=at
        )
        if not owned:
            break
        [delivery] = owned
        attempts.append(delivery)
        assert (delivery.run_id, delivery.claimed_at, delivery.error) == (f"run-{number}", at, None)
        await record(
            store,
            workspace_id,
            attrs.evolve(delivery, status=DeliveryStatus.FAILED, error=f"refused {number}"),
        )
    assert [d.attempts for d in attempts] == [1, 2, 3]
    assert len({d.id for d in attempts}) == 1  # one row, claimed again
    final = await stored(store, workspace_id, attempts[0].id)
    assert final is not None
    assert (final.status, final.attempts, final.error) == (DeliveryStatus.FAILED, 3, "refused 2")


async def test_an_uncertain_delivery_is_never_claimed_again_until_released(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    [dead] = await claim_in_own_unit(store, workspace_id, [claim("enr-1")], "run-dead")
    async with store.unit_of_work(workspace_id) as uow:
        assert await uow.deliveries.mark_uncertain(T0 + timedelta(minutes=30)) == 1
        await uow.commit()
    later = T0 + timedelta(days=1)
    for run in ("run-2", "run-3"):
        assert await claim_in_own_unit(store, workspace_id, [claim("enr-1")], run, at=later) == []
    async with store.unit_of_work(workspace_id) as uow:
        assert await uow.deliveries.get(dead.id) == attrs.evolve(
            dead, status=DeliveryStatus.UNCERTAIN
        )
        assert await uow.deliveries.release(dead.id) is True
        assert await uow.deliveries.release(dead.id) is False
        await uow.commit()
    [retried] = await claim_in_own_unit(store, workspace_id, [claim("enr-1")], "run-4", at=later)
    assert (retried.attempts, retried.run_id, retried.status) == (1, "run-4", "claimed")
    assert retried.id != dead.id


async def test_only_uncertain_or_failed_deliveries_can_be_released(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    live, sent, failed = await claim_in_own_unit(
        store, workspace_id, [claim("enr-1"), claim("enr-2"), claim("enr-3")], "run-1"
    )
    await record(
        store,
        workspace_id,
        attrs.evolve(sent, status=DeliveryStatus.SENT, sent_at=T0),
        attrs.evolve(failed, status=DeliveryStatus.FAILED, error="bounced"),
    )
    async with store.unit_of_work(workspace_id) as uow:
        assert await uow.deliveries.release(live.id) is False
        assert await uow.deliveries.release(sent.id) is False
        assert await uow.deliveries.release("missing") is False
        assert await uow.deliveries.release(failed.id) is True
        await uow.commit()
    assert await stored(store, workspace_id, live.id) == live
    assert await stored(store, workspace_id, failed.id) is None


async def test_mark_uncertain_touches_only_claims_older_than_the_cutoff(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    [old] = await claim_in_own_unit(store, workspace_id, [claim("enr-1")], "run-1", at=T0)
    [sent, failed] = await claim_in_own_unit(
        store, workspace_id, [claim("enr-2"), claim("enr-3")], "run-1", at=T0
    )
    recent_at = T0 + timedelta(minutes=20)
    [recent] = await claim_in_own_unit(store, workspace_id, [claim("enr-4")], "run-2", recent_at)
    await record(
        store,
        workspace_id,
        attrs.evolve(sent, status=DeliveryStatus.SENT, sent_at=T0),
        attrs.evolve(failed, status=DeliveryStatus.FAILED, error="timeout"),
    )
    async with store.unit_of_work(workspace_id) as uow:
        assert await uow.deliveries.mark_uncertain(T0 + timedelta(minutes=10)) == 1
        await uow.commit()
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        statuses = {d.id: d.status for d in (await uow.deliveries.find(limit=10, offset=0)).items}
    assert statuses == {
        old.id: DeliveryStatus.UNCERTAIN,
        sent.id: DeliveryStatus.SENT,
        failed.id: DeliveryStatus.FAILED,
        recent.id: DeliveryStatus.CLAIMED,
    }


async def test_record_writes_the_outcomes_of_the_runs_own_claims_only(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    one, two = await claim_in_own_unit(store, workspace_id, [claim("enr-1"), claim("enr-2")], "r")
    sent_at = T0 + timedelta(seconds=3)
    outcomes = [
        attrs.evolve(one, status=DeliveryStatus.SENT, sent_at=sent_at),
        attrs.evolve(two, status=DeliveryStatus.FAILED, error="mailbox full", attempts=1),
    ]
    await record(store, workspace_id, *outcomes)
    await record(store, workspace_id)  # nothing to write
    # A stale run (not the one that holds the claim) cannot overwrite an outcome.
    await record(store, workspace_id, attrs.evolve(one, status=DeliveryStatus.FAILED, run_id="x"))
    assert [await stored(store, workspace_id, d.id) for d in (one, two)] == outcomes


async def test_find_lists_deliveries_by_status_most_recently_claimed_first(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    first = await claim_in_own_unit(store, workspace_id, [claim("enr-1")], "run-1", at=T0)
    later = T0 + timedelta(hours=1)
    second = await claim_in_own_unit(store, workspace_id, [claim("enr-2")], "run-2", at=later)
    await record(store, workspace_id, attrs.evolve(first[0], status=DeliveryStatus.SENT))
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        everything = await uow.deliveries.find(limit=10, offset=0)
        claimed = await uow.deliveries.find(status=DeliveryStatus.CLAIMED, limit=10, offset=0)
    assert [d.enrollment_id for d in everything.items] == ["enr-2", "enr-1"]
    assert (claimed.items, claimed.total) == (tuple(second), 1)


# -- tenant isolation ---------------------------------------------------------------------------


async def test_claims_and_outcomes_never_reach_another_workspaces_deliveries(
    store: SqlStore, workspace_id: str
) -> None:
    other = f"{workspace_id}-b"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other)
    # The other workspace has the same (enrolment, step) pairs: one failed, one claimed.
    theirs = await claim_in_own_unit(store, other, [claim("enr-1"), claim("enr-2")], "their-run")
    await record(store, other, attrs.evolve(theirs[0], status=DeliveryStatus.FAILED, error="e"))
    theirs_now = [await stored(store, other, d.id) for d in theirs]

    ours = await claim_in_own_unit(
        store, workspace_id, [claim("enr-1"), claim("enr-2")], "our-run", at=T0 + timedelta(days=1)
    )
    assert [(d.enrollment_id, d.attempts) for d in ours] == [("enr-1", 1), ("enr-2", 1)]
    async with store.unit_of_work(workspace_id) as uow:
        assert await uow.deliveries.get(theirs[0].id) is None
        assert await uow.deliveries.release(theirs[0].id) is False
        assert await uow.deliveries.mark_uncertain(T0 + timedelta(days=30)) == 2  # ours only
        await uow.deliveries.record([attrs.evolve(theirs[1], status=DeliveryStatus.SENT)])
        assert (await uow.deliveries.find(limit=10, offset=0)).total == 2
        await uow.commit()
    assert [await stored(store, other, d.id) for d in theirs] == theirs_now
