"""The search condition: the one place where SQLite and PostgreSQL differ in queries.

Both sides of a match are already folded by ``pauhu_crm_core.search``
(``search_text`` columns and the filter's term), so a match is a plain,
case-sensitive substring test: ``search_text LIKE '%term%'`` with ``%``,
``_`` and ``\\`` escaped so the term is always data.

That LIKE alone cannot use a B-tree index, so each backend gets a trigram
index (created in the migration):

* PostgreSQL: a ``pg_trgm`` GIN index on ``search_text``, which the planner
  uses for the LIKE itself (terms shorter than three characters have no
  trigram and fall back to a scan, still correct).
* SQLite: an external-content FTS5 table ``<table>_fts`` with the trigram
  tokenizer, kept in sync by triggers. A quoted FTS5 phrase of three or more
  characters finds the candidate rowids through the index; the LIKE then
  rechecks them so both backends return exactly the same rows.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, bindparam, column, literal_column, select, table
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


def search_condition(searched: Table, term: str, dialect_name: str) -> ColumnElement[bool]:
    """Rows of ``searched`` whose ``search_text`` contains ``term`` (an already folded key)."""
    like = searched.c.search_text.like(like_pattern(term), escape=LIKE_ESCAPE)
    if dialect_name != "sqlite" or len(term) < TRIGRAM_MIN_LENGTH:
        return like
    fts_name = fts_table_name(searched.name)
    fts = table(fts_name, column("rowid"))
    match = literal_column(fts_name).op("MATCH")(bindparam(None, fts5_phrase(term)))
    in_index = literal_column(f"{searched.name}.rowid").in_(select(fts.c.rowid).where(match))
    return in_index & like


async def rebuild_fts_tables(engine: AsyncEngine) -> None:
    """Rebuild SQLite's FTS5 tables from their base tables (a no-op on PostgreSQL).

    The FTS tables point at base rows by ``rowid``, and ``VACUUM`` may renumber
    the rowids of tables without an ``INTEGER PRIMARY KEY``: run this after one.
    """
    if engine.dialect.name != "sqlite":
        return
    async with engine.begin() as conn:
        for name in SEARCHABLE_TABLES:
            fts = fts_table_name(name)
            await conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
