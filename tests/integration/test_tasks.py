"""Tasks through the library facade, on every store backend."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pauhu_crm_core import CRM, CrmWorkspace, NotFound, TaskPriority, TaskStatus, ValidationFailed
from pauhu_crm_core.testing import FrozenClock

pytestmark = pytest.mark.anyio


async def test_the_seed_task_gets_the_defaults(ws: CrmWorkspace) -> None:
    contact = await ws.contacts.create(id="abc-123", email="sanna@dvv.fi")

    task = await ws.tasks.create(
        contact_id=contact.id,
        title="Send sovereign deployment proposal",
        due_date="2026-03-14",
        priority="high",
        assigned_to="linda",
    )

    assert (task.status, task.priority, task.completed_at) == (
        TaskStatus.TODO,
        TaskPriority.HIGH,
        None,
    )
    assert task.due_date == date(2026, 3, 14)
    assert (await ws.tasks.create(title="Untitled priority")).priority is TaskPriority.MEDIUM


@pytest.mark.parametrize("title", [None, "", "   "])
async def test_a_title_is_required(ws: CrmWorkspace, title: str | None) -> None:
    data = {} if title is None else {"title": title}
    with pytest.raises(ValidationFailed) as caught:
        await ws.tasks.create(data)
    assert [d["field"] for d in caught.value.details] == ["title"]


async def test_done_records_completion_and_reopening_clears_it(
    ws: CrmWorkspace, clock: FrozenClock
) -> None:
    task = await ws.tasks.create(title="Call back")
    clock.advance(hours=2)

    done = await ws.tasks.update(task.id, status="done")
    assert done.completed_at == clock.now()
    clock.advance(hours=1)
    assert (await ws.tasks.update(task.id, priority="low")).completed_at == done.completed_at

    reopened = await ws.tasks.update(task.id, status="in_progress")
    assert reopened.completed_at is None
    with pytest.raises(ValidationFailed):
        await ws.tasks.update(task.id, completed_at="2026-03-07T10:00:00Z")


async def test_overdue_means_open_and_due_before_today_in_the_workspace_zone(
    ws: CrmWorkspace, clock: FrozenClock
) -> None:
    clock.set(clock.now().replace(hour=22, minute=30))  # Helsinki: 2026-03-08 00:30
    overdue = await ws.tasks.create(title="Late", due_date="2026-03-07")
    await ws.tasks.create(title="Due today", due_date="2026-03-08")
    await ws.tasks.create(title="Late but done", due_date="2026-03-01", status="done")
    await ws.tasks.create(title="No date")

    assert [t.id for t in (await ws.tasks.list(overdue=True)).items] == [overdue.id]
    await ws.update(timezone="UTC")  # still 2026-03-07 there
    assert (await ws.tasks.list(overdue="true")).total == 0
    assert (await ws.tasks.list(overdue=False)).total == 4


async def test_list_is_by_due_date_with_undated_last(ws: CrmWorkspace) -> None:
    today = date(2026, 3, 7)
    undated = await ws.tasks.create(title="Someday")
    later = await ws.tasks.create(title="Later", due_date=today + timedelta(days=9))
    sooner = await ws.tasks.create(title="Sooner", due_date=today + timedelta(days=1))

    assert [t.id for t in (await ws.tasks.list()).items] == [sooner.id, later.id, undated.id]


async def test_list_filters_by_status_assignee_and_links(ws: CrmWorkspace) -> None:
    deal = await ws.deals.create()
    mine = await ws.tasks.create(title="Mine", assigned_to="linda", deal_id=deal.id)
    await ws.tasks.create(title="Theirs", assigned_to="mikko", deal_id=deal.id)
    await ws.tasks.create(title="Mine, done", assigned_to="linda", status="done")

    page = await ws.tasks.list(status="todo", assigned_to="linda", deal_id=deal.id)

    assert [t.id for t in page.items] == [mine.id]
    with pytest.raises(ValidationFailed):
        await ws.tasks.list(status="finished")


async def test_delete_and_isolation(crm: CRM, ws: CrmWorkspace) -> None:
    task = await ws.tasks.create(title="Mine")
    other = crm.workspace(ws.id + "-b")

    for attempt in (
        other.tasks.get(task.id),
        other.tasks.update(task.id, status="done"),
        other.tasks.delete(task.id),
    ):
        with pytest.raises(NotFound):
            await attempt
    assert (await ws.tasks.get(task.id)).status is TaskStatus.TODO

    await ws.tasks.delete(task.id)
    with pytest.raises(NotFound):
        await ws.tasks.get(task.id)
