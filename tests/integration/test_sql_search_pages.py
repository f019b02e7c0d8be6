"""A search's page: counted first, then read from its matches or by walking the list's
order, whichever reads fewer rows. Both ways must give the same rows, in list order,
with the exact total; the checks below run each term through both ways (each forced in
turn), and check that the choice follows the rows each way would read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from pauhu_crm_adapters.sql import SqlStore
from pauhu_crm_adapters.sql.repositories import base
from pauhu_crm_core import CrmWorkspace
from pauhu_crm_core.testing import FrozenClock

pytestmark = pytest.mark.anyio

SURNAMES = ["Quartermaine", "Virtanen", "O'Quartermaine", "Nieminen", "Quarter_maine"]


@pytest.fixture
def statements(store: SqlStore) -> Iterator[list[str]]:
    """The SQL statements run while the test runs."""
    seen: list[str] = []

    def keep(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    event.listen(store.engine.sync_engine, "before_cursor_execute", keep)
    yield seen
    event.remove(store.engine.sync_engine, "before_cursor_execute", keep)


async def people(ws: CrmWorkspace, clock: FrozenClock, count: int) -> list[str]:
    """``count`` contacts, one a minute, with surnames cycling through ``SURNAMES``;
    answer their ids newest first (the list's order)."""
    ids = []
    for n in range(count):
        surname = SURNAMES[n % len(SURNAMES)]
        contact = await ws.contacts.create(email=f"p{n}@example.eu", last_name=surname)
        ids.append(contact.id)
        clock.advance(minutes=1)
    return ids[::-1]


def matching(ids: list[str], count: int, term: str) -> list[str]:
    """The ids (newest first) whose surname contains ``term``, folded as search folds."""
    newest_first = [SURNAMES[n % len(SURNAMES)] for n in range(count)][::-1]
    return [i for i, name in zip(ids, newest_first, strict=True) if term in name.lower()]


@pytest.mark.parametrize("reads_the_matches", [False, True], ids=["walk", "matches"])
@pytest.mark.parametrize("term", ["quartermaine", "nen", "o'q", "r_m", "zzz"])
async def test_every_page_of_a_search_holds_its_matches_in_list_order(
    ws: CrmWorkspace,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
    reads_the_matches: bool,
    term: str,
) -> None:
    monkeypatch.setattr(base, "reads_the_matches", lambda *_: reads_the_matches)
    ids = await people(ws, clock, 23)
    expected = matching(ids, 23, term)

    pages = [await ws.contacts.list(q=term, limit=4, offset=o) for o in range(0, 28, 4)]

    assert {page.total for page in pages} == {len(expected)}
    assert [c.id for page in pages for c in page.items] == expected


async def test_few_matches_are_sorted_from_the_matches_on_postgresql(
    ws: CrmWorkspace,
    clock: FrozenClock,
    store: SqlStore,
    statements: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(base, "reads_the_matches", lambda total, *_: total <= 5)
    await people(ws, clock, 20)  # 12 surnames contain "quarter", 4 "virtanen"
    postgresql = store.engine.dialect.name == "postgresql"

    statements.clear()
    assert (await ws.contacts.list(q="virtanen")).total == 4
    few = list(statements)
    statements.clear()
    assert (await ws.contacts.list(q="quarter")).total == 12
    many = list(statements)

    assert any("MATERIALIZED" in s for s in few) is postgresql
    assert not any("MATERIALIZED" in s for s in many)
    custom_plans = [s for s in few + many if "plan_cache_mode" in s]
    assert len(custom_plans) == (2 if postgresql else 0)


def test_a_page_is_read_from_its_matches_when_that_reads_fewer_rows() -> None:
    # 1M contacts, a page of 50: 7 matches are read and sorted; 90,000 are walked to.
    assert base.reads_the_matches(7, 50, 1_000_000)
    assert not base.reads_the_matches(90_000, 50, 1_000_000)
    # 10,000 matches: the first page is near, page 100 is 500,000 rows down the list.
    assert not base.reads_the_matches(10_000, 50, 1_000_000)
    assert base.reads_the_matches(10_000, 5_050, 1_000_000)


async def test_the_way_follows_the_rows_it_reads(
    ws: CrmWorkspace, clock: FrozenClock, store: SqlStore, statements: list[str]
) -> None:
    await people(ws, clock, 25)  # 5 contain "virtanen", 15 "quarter"
    sqlite = store.engine.dialect.name == "sqlite"

    def walked(seen: list[str]) -> bool:
        if sqlite:  # the page's rows are tested with the LIKE, not looked up by rowid
            return "contacts_fts" not in seen[-1]
        # PostgreSQL is told to walk for the page alone, and its settings are put back.
        told = [i for i, s in enumerate(seen) if "set_config('enable_bitmapscan', 'off'" in s]
        put_back = [i for i, s in enumerate(seen) if "reset_val" in s]
        if not told:
            return False
        assert put_back == [told[0] + 2], seen  # right after the page's statement
        return not any("MATERIALIZED" in s for s in seen)

    statements.clear()
    assert (await ws.contacts.list(q="virtanen", limit=2)).total == 5  # 25 <= 2 * 25
    assert not walked(statements)
    statements.clear()
    assert (await ws.contacts.list(q="quarter", limit=2)).total == 15  # 225 > 2 * 25
    assert walked(statements)


async def test_a_page_past_the_last_match_reads_no_rows(
    ws: CrmWorkspace, clock: FrozenClock, statements: list[str]
) -> None:
    await people(ws, clock, 6)
    statements.clear()

    page = await ws.contacts.list(q="virtanen", offset=50)

    assert (page.total, page.items) == (1, ())
    selects = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert len(selects) == 1  # the count
    assert "count(" in selects[0]


async def test_a_company_search_takes_the_same_way(
    ws: CrmWorkspace, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "reads_the_matches", lambda total, *_: total <= 3)
    made = []
    for n, name in enumerate(["Nokia", "Kone", "Nokian Tyres", "Wärtsilä", "Nokia Solutions"]):
        made.append((await ws.companies.create(name=name, domain=f"c{n}.fi")).id)
        clock.advance(minutes=1)

    page = await ws.companies.list(q="nokia", limit=2)
    rest = await ws.companies.list(q="nokia", limit=2, offset=2)

    assert page.total == rest.total == 3
    listed = [c.id for c in page.items + rest.items]
    assert sorted(listed) == sorted([made[0], made[2], made[4]])
    assert listed == [c.id for c in (await ws.companies.list(q="nokia")).items]
