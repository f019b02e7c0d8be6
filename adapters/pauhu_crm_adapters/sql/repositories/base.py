"""What every tenant table's repository does the same way.

Each statement here is filtered by the unit of work's ``workspace_id`` — get,
exists, update, delete (by id or by a condition), count, clear — so a repository
cannot reach another workspace's rows however it is called. Resource modules add the typed
``add``/``replace``/``find`` and the explicit row <-> entity functions.

``TenantTableBase`` is what every tenant repository has; ``TenantTableRepository``
adds ``exists``, ``delete`` and ``clear_reference`` for the records users delete.
The sequence repositories take only the base, so that e.g. a sent delivery
cannot be deleted through a generic ``delete`` its port does not have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum
from typing import Any, ClassVar, Generic, TypeAlias, TypeVar

from sqlalchemy import (
    ColumnElement,
    Table,
    TextClause,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.util import ClauseAdapter

from pauhu_crm_core.entities import Page
from pauhu_crm_core.errors import NotFound, Unavailable

from ..counters import TOTAL, counted_filter, read_count
from ..errors import translate_delete_error, translate_write_error
from ..search import index_count, search_condition

E = TypeVar("E")

RowValues: TypeAlias = Mapping[Any, Any]
"""A row's values by column name: a ``RowMapping``, or a plain dict (the joined due
query's rows, cut back to one table's columns)."""

WALK_THE_LIST = text(
    "SELECT set_config('enable_bitmapscan', 'off', true), "
    "set_config('enable_seqscan', 'off', true), "
    "set_config('max_parallel_workers_per_gather', '0', true)"
)
"""PostgreSQL, for the rest of the transaction: walk an index in order, alone (see
``_rows_walking_the_list``); ``PLAN_AS_BEFORE`` undoes it."""
PLAN_AS_BEFORE = text(
    "SELECT set_config(name, reset_val, true) FROM pg_settings WHERE name IN "
    "('enable_bitmapscan', 'enable_seqscan', 'max_parallel_workers_per_gather')"
)


def reads_the_matches(total: int, window_end: int, rows: int) -> bool:
    """Whether a search page is read from its ``total`` matches, sorted, rather than found
    by walking the list's index to the page's end (``window_end`` = offset + limit) in a
    table of ``rows``: whichever reads fewer rows. Matches spread through the list, so the
    walk passes about ``window_end × rows / total`` rows; sorting reads ``total``."""
    return total * total <= window_end * rows


IN_CHUNK = 500
"""Most values bound into one ``IN (…)``: well under SQLite's limit of bound parameters
(32766 since 3.32, 999 before) and asyncpg's 32767."""

NOT_ENTITY_COLUMNS = frozenset({"workspace_id", "search_text"})
"""Columns the store keeps for itself: the tenant key and the derived search key."""

TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
"""PostgreSQL's deadlock and serialization failure: the transaction was rolled back
because of a concurrent one, and the same request can simply be tried again."""


def transient_error(exc: DBAPIError) -> Unavailable | None:
    """``Unavailable`` (a retryable 503) for a write that lost a race with another
    transaction (a deadlock); ``None`` for any other error."""
    if getattr(exc.orig, "sqlstate", None) not in TRANSIENT_SQLSTATES:
        return None
    return Unavailable("the write collided with a concurrent one and was undone; try again")


class TenantTableBase(Generic[E]):
    """Shared statements over one tenant table, bound to one connection and workspace."""

    table: ClassVar[Table]
    order_by: ClassVar[tuple[ColumnElement[Any], ...]]
    from_row: ClassVar[Callable[[RowValues], Any]]
    to_values: ClassVar[Callable[[Any], dict[str, Any]]]
    counted_facets: ClassVar[frozenset[str] | None] = None
    """The list filters whose totals ``record_counts`` keeps (see ``counters.py``);
    ``None`` for a table without counters."""

    def __init__(self, conn: AsyncConnection, workspace_id: str) -> None:
        self._conn = conn
        self._workspace_id = workspace_id
        self._entity_columns = [c for c in self.table.c if c.name not in NOT_ENTITY_COLUMNS]

    @property
    def _resource(self) -> str:
        return str(self.table.info["resource"])

    def _in_workspace(self) -> ColumnElement[bool]:
        return self.table.c.workspace_id == self._workspace_id

    def _is(self, id: str) -> ColumnElement[bool]:
        return self._in_workspace() & (self.table.c.id == id)

    def _entity(self, row: RowValues) -> E:
        entity: E = type(self).from_row(row)
        return entity

    async def get(self, id: str) -> E | None:
        result = await self._conn.execute(select(*self._entity_columns).where(self._is(id)))
        row = result.mappings().one_or_none()
        return None if row is None else self._entity(row)

    async def _add(self, entity: E) -> None:
        values = {"workspace_id": self._workspace_id, **type(self).to_values(entity)}
        try:
            await self._conn.execute(insert(self.table).values(values))
        except IntegrityError as exc:
            raise translate_write_error(exc, self.table, values) from exc
        except DBAPIError as exc:
            raise transient_error(exc) or exc from exc

    async def _replace(self, entity: E) -> None:
        values = type(self).to_values(entity)
        id = values.pop("id")
        try:
            result = await self._conn.execute(update(self.table).where(self._is(id)).values(values))
        except IntegrityError as exc:
            raise translate_write_error(exc, self.table, values) from exc
        except DBAPIError as exc:
            raise transient_error(exc) or exc from exc
        if result.rowcount == 0:
            raise NotFound(self._resource, id)

    async def _delete_where(self, condition: ColumnElement[bool]) -> int:
        """Delete this workspace's rows matching ``condition`` in one statement; answer how many."""
        try:
            result = await self._conn.execute(
                delete(self.table).where(self._in_workspace() & condition)
            )
        except DBAPIError as exc:
            raise transient_error(exc) or exc from exc
        return result.rowcount

    def _search(self, term: str, *, in_list_order: bool = False) -> ColumnElement[bool]:
        return search_condition(
            self.table,
            term,
            self._workspace_id,
            self._conn.dialect.name,
            in_list_order=in_list_order,
        )

    def _where(self, conditions: Iterable[ColumnElement[bool]]) -> ColumnElement[bool]:
        where = self._in_workspace()
        for condition in conditions:
            where = where & condition
        return where

    async def _rows(
        self,
        where: ColumnElement[bool],
        *,
        limit: int,
        offset: int,
        order_by: Sequence[ColumnElement[Any]] | None = None,
    ) -> tuple[E, ...]:
        rows = await self._conn.execute(
            select(*self._entity_columns)
            .where(where)
            .order_by(*(self.order_by if order_by is None else order_by))
            .limit(limit)
            .offset(offset)
        )
        return tuple(self._entity(row) for row in rows.mappings())

    def _counter(self, filters: Mapping[str, object]) -> tuple[str, str] | None:
        """The (facet, value) of the counter that holds the total of a list filtered by
        equality on ``filters`` (``None`` = not filtered) and nothing else, if there is one."""
        if self.counted_facets is None:
            return None
        return counted_filter(self.counted_facets, filters)

    async def _page(
        self,
        conditions: Iterable[ColumnElement[bool]],
        *,
        limit: int,
        offset: int,
        counter: tuple[str, str] | None = None,
        order_by: Sequence[ColumnElement[Any]] | None = None,
        search: str | None = None,
    ) -> Page[E]:
        """One page query and one count over the same filter (never one query per row).

        ``counter`` names the ``record_counts`` row that holds the total of exactly these
        ``conditions`` (``_counter``): the total is then that one row, whatever the
        workspace's size; without it the matches are counted. ``search``: the folded
        term the rows must also contain (see ``_search_page``)."""
        if search is not None:
            return await self._search_page(
                list(conditions), search, limit=limit, offset=offset, order_by=order_by
            )
        where = self._where(conditions)
        items = await self._rows(where, limit=limit, offset=offset, order_by=order_by)
        if counter is None:
            count = await self._conn.scalar(
                select(func.count()).select_from(self.table).where(where)
            )
            total = int(count or 0)
        else:
            facet, value = counter
            total = await read_count(self._conn, self._workspace_id, self.table, facet, value)
        return Page(items=items, total=total, limit=limit, offset=offset)

    async def _search_page(
        self,
        conditions: Sequence[ColumnElement[bool]],
        term: str,
        *,
        limit: int,
        offset: int,
        order_by: Sequence[ColumnElement[Any]] | None,
    ) -> Page[E]:
        """A search's page, its matches counted first: the count tells how to read it.

        A search with no other filter is counted in the search index alone where the
        backend can (SQLite's FTS5, ``index_count``); otherwise the matching rows are.
        Then the page is read whichever way reads fewer rows (``reads_the_matches``): the
        matches, sorted by themselves, or the list's index walked in its order, each row
        tested, up to the page's end. Left to itself, neither planner can tell the two
        apart, as no plan can estimate how many rows a ``LIKE '%term%'`` matches
        (``bench/analysis.md`` §2, §10). SQLite is told by the form of the search
        condition (``search_condition``), PostgreSQL by a ``MATERIALIZED`` CTE of the
        matches, fed by the trigram index.

        PostgreSQL also plans the search's statements for their own values
        (``force_custom_plan``, for this transaction only): a statement prepared and run
        five times otherwise gets a *generic* plan, which sees neither the pattern nor
        the workspace and may read every index entry of the workspace."""
        dialect = self._conn.dialect.name
        where = self._where([*conditions, self._search(term)])
        if dialect == "postgresql":
            await self._conn.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        counting = (
            None if conditions else index_count(self.table, term, self._workspace_id, dialect)
        )
        if counting is None:
            counting = select(func.count()).select_from(self.table).where(where)
        total = int(await self._conn.scalar(counting) or 0)
        if offset >= total:
            items: tuple[E, ...] = ()
        elif reads_the_matches(total, offset + limit, await self._rows_in_workspace()):
            if dialect == "postgresql":
                items = await self._rows_sorted_from_matches(
                    where, limit=limit, offset=offset, order_by=order_by
                )
            else:
                items = await self._rows(where, limit=limit, offset=offset, order_by=order_by)
        else:
            walk = self._where([*conditions, self._search(term, in_list_order=True)])
            items = await self._rows_walking_the_list(
                walk, limit=limit, offset=offset, order_by=order_by
            )
        return Page(items=items, total=total, limit=limit, offset=offset)

    async def _rows_walking_the_list(
        self,
        where: ColumnElement[bool],
        *,
        limit: int,
        offset: int,
        order_by: Sequence[ColumnElement[Any]] | None,
    ) -> tuple[E, ...]:
        """``_rows`` found by walking the list's index in its order, each row tested.

        PostgreSQL is told to, for this one statement (``WALK_THE_LIST``): it cannot
        estimate how many rows a substring matches, and at 1M contacts it took 100 for
        ``äijä``'s 10,067 and read them all through the trigram bitmap and a sort (55–62
        ms), or scanned the table (158 ms), where the walk takes 1.6 ms."""
        if self._conn.dialect.name != "postgresql":
            return await self._rows(where, limit=limit, offset=offset, order_by=order_by)
        await self._conn.execute(WALK_THE_LIST)
        items = await self._rows(where, limit=limit, offset=offset, order_by=order_by)
        await self._conn.execute(PLAN_AS_BEFORE)
        return items

    async def _rows_in_workspace(self) -> int:
        """The workspace's rows in this table, from its counter (see ``counters.py``)."""
        if self.counted_facets is None:
            return 0
        facet, value = TOTAL
        return await read_count(self._conn, self._workspace_id, self.table, facet, value)

    async def _rows_sorted_from_matches(
        self,
        where: ColumnElement[bool],
        *,
        limit: int,
        offset: int,
        order_by: Sequence[ColumnElement[Any]] | None = None,
    ) -> tuple[E, ...]:
        """``_rows`` sorted from the matching rows themselves (a ``MATERIALIZED`` CTE),
        never from an index walk."""
        matches = (
            select(*self._entity_columns).where(where).cte("matches").prefix_with("MATERIALIZED")
        )
        to_matches = ClauseAdapter(matches)
        ordering = [to_matches.traverse(o) for o in (order_by or self.order_by)]
        rows = await self._conn.execute(
            select(matches).order_by(*ordering).limit(limit).offset(offset)
        )
        return tuple(self._entity(row) for row in rows.mappings())

    async def _first(self, conditions: Iterable[ColumnElement[bool]], limit: int) -> tuple[E, ...]:
        """The first ``limit`` rows of ``_page``'s order, without its count: what a detail
        view shows, read from the index that ends with the list's order."""
        return await self._rows(self._where(conditions), limit=limit, offset=0)


class TenantTableRepository(TenantTableBase[E]):
    """The base plus ``exists``, ``delete`` and ``clear_reference``: a CRM record's table."""

    reference_fields: ClassVar[frozenset[str]] = frozenset()

    async def exists(self, id: str) -> bool:
        result = await self._conn.execute(select(self.table.c.id).where(self._is(id)))
        return result.first() is not None

    async def delete(self, id: str) -> bool:
        try:
            result = await self._conn.execute(delete(self.table).where(self._is(id)))
        except IntegrityError as exc:
            raise translate_delete_error(exc, self.table, id) from exc
        except DBAPIError as exc:
            raise transient_error(exc) or exc from exc
        return result.rowcount > 0

    async def clear_reference(self, field: str, target_id: str) -> None:
        """Set ``field`` to NULL on this workspace's rows that point at ``target_id``."""
        if field not in self.reference_fields:
            raise ValueError(f"{self.table.name} has no reference field {field!r}")
        column = self.table.c[field]
        await self._conn.execute(
            update(self.table)
            .where(self._in_workspace() & (column == target_id))
            .values({field: None})
        )


def equal_to(table: Table, filters: Mapping[str, object]) -> list[ColumnElement[bool]]:
    """``column = value`` for every filter that is set (``None`` means "not filtered")."""
    return [
        table.c[name] == (value.value if isinstance(value, Enum) else value)
        for name, value in filters.items()
        if value is not None
    ]


def insert_or_ignore(
    conn: AsyncConnection,
    table: Table,
    *key: str,
    where: ColumnElement[bool] | TextClause | None = None,
) -> postgresql.Insert | sqlite.Insert:
    """``INSERT … ON CONFLICT (key) DO NOTHING`` in the connection's dialect; ``where``
    names a partial unique index by its predicate (``ON CONFLICT (key) WHERE …``).

    PostgreSQL makes an insert that races an uncommitted one of the same key wait
    for it and then skip the row; SQLite runs writers one at a time. Either way,
    of several concurrent writers exactly one inserts it.
    """
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    return dialect_insert(table).on_conflict_do_nothing(
        index_elements=[table.c[k] for k in key], index_where=where
    )
