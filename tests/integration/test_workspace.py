"""Workspace settings and the ``open_crm`` composition root."""

from __future__ import annotations

from pathlib import Path

import pytest

from pauhu_crm_apps import open_crm
from pauhu_crm_core import CrmWorkspace, NotFound, ValidationFailed

pytestmark = pytest.mark.anyio


async def test_a_workspace_is_created_on_first_use_with_defaults(ws: CrmWorkspace) -> None:
    settings = await ws.get()

    assert (settings.id, settings.name, settings.timezone, settings.auto_enroll) == (
        ws.id,
        ws.id,
        "Europe/Helsinki",
        True,
    )


async def test_settings_update_partially_and_refuse_unknown_zones(ws: CrmWorkspace) -> None:
    updated = await ws.update(name="Pauhu sales", auto_enroll=False)
    assert (updated.name, updated.timezone, updated.auto_enroll) == (
        "Pauhu sales",
        "Europe/Helsinki",
        False,
    )

    with pytest.raises(ValidationFailed) as caught:
        await ws.update(timezone="Mars/Olympus_Mons", id="other")
    assert sorted(d["field"] for d in caught.value.details) == ["id", "timezone"]
    assert (await ws.get()).timezone == "Europe/Helsinki"


async def test_open_crm_runs_the_documented_example(database_url: str) -> None:
    async with open_crm(database_url) as crm:
        ws = crm.workspace("ws-pauhu")
        co = await ws.companies.create(name="DVV", domain=f"dvv-{id(crm)}.fi")
        c = await ws.contacts.create(email=f"Sanna{id(crm)}@DVV.fi", company_id=co.id)
        c = await ws.contacts.update(c.id, lifecycle_stage="sql")
        page = await ws.contacts.list(q="sanna", stage="sql", limit=50, offset=0)
        detail = await ws.contacts.get_detail(c.id)
        await ws.contacts.delete(c.id)
        pipeline = await ws.deals.pipeline()

        assert c.id in [item.id for item in page.items]
        assert detail.company == co
        assert isinstance(pipeline, list | tuple)
        with pytest.raises(NotFound):
            await ws.contacts.get(c.id)


async def test_open_crm_creates_and_migrates_a_new_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    async with open_crm(url) as crm:
        await crm.workspace("ws-a").contacts.create(email="a@example.eu")
    async with open_crm(url) as crm:
        assert (await crm.workspace("ws-a").contacts.list()).total == 1
