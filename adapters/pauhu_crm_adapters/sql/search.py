"""The search condition: the one place where SQLite and PostgreSQL differ in queries.

Both sides of a match are already folded by ``pauhu_crm_core.search``
(``search_text`` columns and the filter's term), so a match is a plain,
case-sensitive substring test: ``search_text LIKE '%term%'`` with ``%``,
``_`` and ``\\`` escaped so the term is always data.

That LIKE alone cannot use a B-tree index, so each backend gets a trigram
index (created in the migrations):

* PostgreSQL: a ``pg_trgm`` GIN index on ``search_text``, which the planner
  uses for the LIKE itself (terms shorter than three characters have no
  trigram and fall back to a scan, still correct).
* SQLite: a contentless FTS5 table ``<table>_fts`` with the case-sensitive
  trigram tokenizer, kept in step by triggers (revision 0010). Its rowid is
  ``number × 2^40 + rowid`` of the base row, ``number`` being the workspace's
  in ``fts_workspaces``, so one workspace's entries are one rowid range. A
  quoted FTS5 phrase of three or more characters matches exactly the keys
  that contain it: the index finds a workspace's matches, and counts them
  without reading the base table (``index_count``). Shorter terms use the LIKE.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.ext.asyncio import AsyncEngine

SEARCHABLE_TABLES = ("contacts", "companies")

TRIGRAM_MIN_LENGTH = 3
"""FTS5's trigram tokenizer cannot match a phrase shorter than this."""

LIKE_ESCAPE = "\\"


def like_pattern(term: str) -> str:
    """A LIKE pattern matching ``term`` anywhere, with its wildcards made literal."""
    escaped = (
        term.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"


def fts5_phrase(term: str) -> str:
    """``term`` as an FTS5 string literal, so its characters are never query syntax."""
    return '"' + term.replace('"', '""') + '"'


def fts_table_name(table_name: str) -> str:
    return f"{table_name}_fts"


WORKSPACE_SPAN = 1 << 40
"""The FTS rowids of one workspace: ``number × WORKSPACE_SPAN`` plus the base row's rowid
(revision 0010)."""

fts_workspaces = table("fts_workspaces", column("number"), column("workspace_id"))


def _uses_index(term: str, dialect_name: str) -> bool:
    return dialect_name == "sqlite" and len(term) >= TRIGRAM_MIN_LENGTH


def _workspace_matches(searched: Table, term: str, workspace_id: str) -> Select[Any]:
    """The base rowids of the entries of ``workspace_id`` in the FTS table of ``searched``
    that match ``term``: the workspace's rowid range, less its first rowid."""
    fts_name = fts_table_name(searched.name)
    fts = table(fts_name, column("rowid"))
    first = (
        select(fts_workspaces.c.number * WORKSPACE_SPAN)
        .where(fts_workspaces.c.workspace_id == workspace_id)
        .scalar_subquery()
    )
    match = literal_column(fts_name).op("MATCH")(bindparam(None, fts5_phrase(term)))
    in_workspace = fts.c.rowid.between(first, first + (WORKSPACE_SPAN - 1))
    return select(fts.c.rowid - first).select_from(fts).where(match & in_workspace)


def search_condition(
    searched: Table,
    term: str,
    workspace_id: str,
    dialect_name: str,
    *,
    in_list_order: bool = False,
) -> ColumnElement[bool]:
    """Rows of ``searched`` whose ``search_text`` contains ``term`` (an already folded key).

    On SQLite, for a term the index can match, the rows whose rowid is among the
    workspace's matches in the FTS table (the statement must still say ``workspace_id =
    …`` for its indexes): SQLite then reads the matches by rowid and sorts them.
    ``in_list_order``: the condition that rows met while walking the list's index are
    tested with, for matches dense enough that the page's end comes soon. That is the
    ``LIKE`` on the row itself: gathering every match from the index first would cost
    more than the rows the walk passes (at 1M contacts, 19 ms for the 90,000 matches of
    ``q=nen`` against 0.3 ms for the walk)."""
    if in_list_order or not _uses_index(term, dialect_name):
        return searched.c.search_text.like(like_pattern(term), escape=LIKE_ESCAPE)
    rowid: ColumnElement[int] = literal_column(f"{searched.name}.rowid")
    return rowid.in_(_workspace_matches(searched, term, workspace_id))


def index_count(
    searched: Table, term: str, workspace_id: str, dialect_name: str
) -> Select[int] | None:
    """How many rows of the workspace match ``term``, read from the search index alone
    (SQLite's FTS5, a term of three or more characters); ``None`` where the rows must be
    counted."""
    if not _uses_index(term, dialect_name):
        return None
    matches = _workspace_matches(searched, term, workspace_id).subquery()
    return select(func.count()).select_from(matches)


async def rebuild_fts_tables(engine: AsyncEngine) -> None:
    """Fill SQLite's FTS5 tables again from their base tables (a no-op on PostgreSQL).

    The FTS tables point at base rows by ``rowid``, and ``VACUUM`` may renumber
    the rowids of tables without an ``INTEGER PRIMARY KEY``: run this after one.
    The tables are contentless, so they are emptied and every row is inserted again.
    """
    if engine.dialect.name != "sqlite":
        return
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT OR IGNORE INTO fts_workspaces(workspace_id) SELECT id FROM workspaces"
        )
        for name in SEARCHABLE_TABLES:
            fts = fts_table_name(name)
            await conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('delete-all')")
            await conn.exec_driver_sql(
                f"INSERT INTO {fts}(rowid, search_text) "
                f"SELECT w.number * {WORKSPACE_SPAN} + t.rowid, t.search_text "
                f"FROM {name} AS t JOIN fts_workspaces AS w ON w.workspace_id = t.workspace_id"
            )
