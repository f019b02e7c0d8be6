"""``pauhu-crm demo``: a realistic pipeline, the same every time, and never twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

from pauhu_crm_apps import open_crm
from pauhu_crm_apps.cli import main
from pauhu_crm_apps.demo import COMPANIES, CONTACTS, DEALS, fill_demo
from pauhu_crm_core import CRM
from pauhu_crm_core.entities import DealStage, ScoreSegment
from pauhu_crm_core.testing import FrozenClock

pytestmark = pytest.mark.anyio


@pytest.fixture
async def crm(database_url: str, clock: FrozenClock) -> AsyncIterator[CRM]:
    async with open_crm(database_url, clock=clock) as opened:
        yield opened


async def totals(crm: CRM, workspace_id: str) -> dict[str, int]:
    ws = crm.workspace(workspace_id)
    return {
        "companies": (await ws.companies.list(limit=1)).total,
        "contacts": (await ws.contacts.list(limit=1)).total,
        "deals": (await ws.deals.list(limit=1)).total,
        "activities": (await ws.activities.list(limit=1)).total,
        "tasks": (await ws.tasks.list(limit=1)).total,
        "overdue tasks": (await ws.tasks.list(overdue=True, limit=1)).total,
        "outbox": (await ws.sequences.outbox(limit=1)).total,
        "enrolments": sum(
            sum(attrs.asdict(s.enrollment_counts).values())
            for s in (await ws.sequences.list(limit=100)).items
        ),
    }


async def test_the_demo_fills_a_workspace_with_a_whole_pipeline(
    crm: CRM, workspace_id: str
) -> None:
    summary = await fill_demo(crm, workspace_id)
    counted = await totals(crm, workspace_id)
    ws = crm.workspace(workspace_id)
    pipeline = {stage.stage: stage for stage in await ws.deals.pipeline()}
    dashboard = await ws.dashboard()

    assert counted["companies"] == len(COMPANIES) == 15
    assert counted["contacts"] == len(CONTACTS) == 40
    assert counted["deals"] == len(DEALS)
    assert counted["tasks"] == 20
    assert counted["overdue tasks"] > 0
    assert counted["activities"] > counted["contacts"]
    assert [stage for stage in DealStage if pipeline[stage].count == 0] == []
    assert all(pipeline[stage].total_amount > 0 for stage in DealStage)
    assert summary.scored == 40
    assert dashboard.summary.unscored == 0
    assert [s for s in ScoreSegment if dashboard.summary.segment_counts.get(s, 0) == 0] == []
    assert summary.sent == counted["outbox"] > 0
    assert counted["enrolments"] > 0


async def test_the_demo_has_non_ascii_names_and_only_undeliverable_addresses(
    crm: CRM, workspace_id: str
) -> None:
    await fill_demo(crm, workspace_id)
    ws = crm.workspace(workspace_id)
    contacts = (await ws.contacts.list(limit=100)).items
    companies = (await ws.companies.list(q="łodzi")).items
    outbox = (await ws.sequences.outbox(limit=100)).items

    assert {"Äijälä", "Müller", "Wójcik", "Õunapuu"} <= {c.last_name for c in contacts}
    assert [c.city for c in companies] == ["Łódź"]
    assert all(c.email is not None and c.email.endswith(".example") for c in contacts)
    assert all(message.to.endswith(".example") for message in outbox)


async def test_running_the_demo_twice_adds_nothing(crm: CRM, workspace_id: str) -> None:
    first = await fill_demo(crm, workspace_id)
    counted = await totals(crm, workspace_id)

    again = await fill_demo(crm, workspace_id)

    assert await totals(crm, workspace_id) == counted
    assert set(again.created.values()) == {0}
    assert again.existing == first.created
    assert (again.scored, again.sent) == (0, 0)


async def test_the_demo_is_the_same_in_every_workspace(crm: CRM, workspace_id: str) -> None:
    other = f"{workspace_id}-b"
    await fill_demo(crm, workspace_id)
    await fill_demo(crm, other)

    async def snapshot(ws_id: str) -> list[tuple[object, ...]]:
        ws = crm.workspace(ws_id)
        contacts = (await ws.contacts.list(limit=100)).items
        activities = (await ws.activities.list(limit=200)).items
        tasks = (await ws.tasks.list(limit=100)).items
        return sorted(
            [(c.id, c.email, c.phone, c.lead_score, c.score_segment) for c in contacts]
            + [(a.id, a.subject, a.occurred_at) for a in activities if a.id.startswith("demo-")]
            + [(t.id, t.title, t.due_date, t.status) for t in tasks],
            key=str,
        )

    assert await snapshot(workspace_id) == await snapshot(other)


def test_the_demo_command_fills_the_workspace_once(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'demo.db'}"
    args = ["demo", "--workspace", "ws-demo", "--database-url", database_url]

    first = CliRunner().invoke(main, args)
    second = CliRunner().invoke(main, args)

    assert first.exit_code == 0, first.output
    assert "contacts     40 created,   0 already there" in first.output
    assert "/admin" in first.output
    assert second.exit_code == 0, second.output
    assert "contacts      0 created,  40 already there" in second.output
    assert "scored 0 contacts; 0 e-mails put in the outbox" in second.output


def test_the_demo_command_explains_itself() -> None:
    result = CliRunner().invoke(main, ["demo", "--help"])

    assert result.exit_code == 0, result.output
    assert "--workspace" in result.output
    assert "--database-url" in result.output
