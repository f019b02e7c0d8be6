"""Search finds exactly the records whose search key contains the term, in their workspace.

On SQLite the search index is a contentless FTS5 table keyed by workspace (revision 0010):
a term of three or more characters is matched and counted there alone, with no second
test against the row. These properties hold it to the definition, a plain substring test
of the folded keys (``pauhu_crm_core.search``), after random writes in two workspaces
that share their names, and again after the index is rebuilt from the tables. PostgreSQL
runs the same checks through its trigram index and ``LIKE``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from pauhu_crm_adapters.sql import SqlStore, rebuild_search_index
from pauhu_crm_adapters.sql.engine import create_sql_engine
from pauhu_crm_adapters.sql.migrate import upgrade
from pauhu_crm_adapters.sql.repositories.companies import company_values
from pauhu_crm_adapters.sql.repositories.contacts import contact_values
from pauhu_crm_adapters.sql.tables import companies, contacts, workspaces
from pauhu_crm_core import CRM, CrmWorkspace
from pauhu_crm_core.entities import Company, Contact
from pauhu_crm_core.ports import CompanyFilter, ContactFilter
from pauhu_crm_core.search import contact_search_text, search_term
from pauhu_crm_core.testing import FrozenClock

pytestmark = pytest.mark.anyio

# Letters that fold to others (Ä/ä, ß→ss, ﬁ→fi, İ→i̇, a combining accent), and characters
# that are syntax elsewhere: LIKE's wildcards and escape, FTS5's quote.
LETTERS = ["a", "ä", "Ä", "n", "N", "e", "s", "ß", "ﬁ", "İ", "i", "\u0301", "%", "_", "\\", '"']
NAMES = st.text(alphabet=st.sampled_from(LETTERS), min_size=1, max_size=8)
TERMS = st.text(alphabet=st.sampled_from(LETTERS), min_size=1, max_size=5)

WRITES = st.one_of(
    st.tuples(st.just("create"), NAMES, NAMES),
    st.tuples(st.just("rename"), st.integers(0, 20), NAMES),
    st.tuples(st.just("delete"), st.integers(0, 20)),
)


async def apply(ws: CrmWorkspace, people: dict[str, Contact], write: tuple[Any, ...]) -> None:
    kind, *args = write
    ids = sorted(people)
    if kind == "create":
        contact = await ws.contacts.create(first_name=args[0], last_name=args[1])
        people[contact.id] = contact
    elif kind == "rename" and ids:
        contact_id = ids[args[0] % len(ids)]
        people[contact_id] = await ws.contacts.update(contact_id, last_name=args[1])
    elif kind == "delete" and ids:
        contact_id = ids[args[0] % len(ids)]
        await ws.contacts.delete(contact_id)
        del people[contact_id]


def expected(people: dict[str, Contact], q: str) -> set[str]:
    term = search_term(q)
    return {i for i, c in people.items() if term is not None and term in contact_search_text(c)}


async def found(ws: CrmWorkspace, q: str) -> tuple[int, set[str]]:
    page = await ws.contacts.list(q=q, limit=100)
    return page.total, {c.id for c in page.items}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    writes=st.lists(WRITES, min_size=1, max_size=12),
    other_writes=st.lists(WRITES, max_size=6),
    terms=st.lists(TERMS, min_size=1, max_size=6),
)
async def test_a_search_finds_exactly_the_keys_containing_the_term(
    store: SqlStore,
    clock: FrozenClock,
    writes: list[tuple[Any, ...]],
    other_writes: list[tuple[Any, ...]],
    terms: list[str],
) -> None:
    crm = CRM(store=store, clock=clock)
    run = uuid.uuid4().hex[:12]
    ws, other = crm.workspace(f"ws-search-{run}"), crm.workspace(f"ws-other-{run}")
    people: dict[str, Contact] = {}
    others: dict[str, Contact] = {}
    for write in writes:
        await apply(ws, people, write)
        # The other workspace holds the same names, and some of its own.
        await apply(other, others, write)
    for write in other_writes:
        await apply(other, others, write)
    # Terms taken from the names too, so that most of them match something.
    names = [c.full_name for c in people.values()]
    queries = terms + [name[start:] for start, name in enumerate(names) if name[start:]]

    for q in queries:
        want = expected(people, q)
        assert await found(ws, q) == (len(want), want), q
        want_other = expected(others, q)
        assert await found(other, q) == (len(want_other), want_other), q

    await rebuild_search_index(store)
    for q in queries:
        want = expected(people, q)
        assert await found(ws, q) == (len(want), want), q


async def test_the_migration_indexes_the_rows_already_there(fresh_database_url: str) -> None:
    # Revision 0010 re-creates SQLite's search index keyed by workspace: every contact and
    # company written before it must be found afterwards, in its own workspace only.
    at = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    stamps = {"created_at": at, "updated_at": at}
    engine = create_sql_engine(fresh_database_url)
    try:
        await upgrade(engine, "0009_record_counters")
        async with engine.begin() as conn:
            for workspace_id in ("ws-old-1", "ws-old-2"):
                ws = {"workspace_id": workspace_id}
                await conn.execute(
                    insert(workspaces).values(
                        id=workspace_id, name="Old", timezone="UTC", auto_enroll=True, **stamps
                    )
                )
                company = Company(id="co", name="Vanha Oy", domain="vanha.fi", **stamps)
                await conn.execute(insert(companies).values(ws | company_values(company)))
                people = [Contact(id=f"c-{n}", email=f"c{n}@vanha.fi", **stamps) for n in range(12)]
                await conn.execute(insert(contacts), [ws | contact_values(p) for p in people])
        await upgrade(engine)
        store = SqlStore(engine)
        for workspace_id in ("ws-old-1", "ws-old-2"):
            async with store.unit_of_work(workspace_id, read_only=True) as uow:
                every = await uow.contacts.find(ContactFilter(search="vanha"), limit=50, offset=0)
                ones = await uow.contacts.find(ContactFilter(search="c1@"), limit=50, offset=0)
                firms = await uow.companies.find(CompanyFilter(search="vanha"), limit=5, offset=0)
            assert every.total == len(every.items) == 12
            assert ones.total == 1
            assert [c.id for c in ones.items] == ["c-1"]
            assert firms.total == 1
    finally:
        await engine.dispose()
