"""SQLite: the search index keyed by workspace, so a search counts its matches in the index.

Revision 0001's FTS5 tables index every workspace's ``search_text`` under the base
row's ``rowid``. A search's exact total then joins every match back to its row, to
test ``workspace_id`` (and, before this revision, the ``LIKE`` again): at 1M
contacts the ~100,000 matches of a common term (``q=nen``) took 0.7–0.9 s to
count, although FTS5 itself counts them in 3 ms (``bench/analysis.md`` §2).

This revision gives each workspace a number (``fts_workspaces``, never reused:
``AUTOINCREMENT``) and re-creates ``contacts_fts`` and ``companies_fts`` as
*contentless* trigram tables whose rowid is ``number × 2^40 + rowid`` of the base
row. A workspace's entries are then one rowid range, which FTS5 reads by
itself: the count of a term in a workspace never touches the base table. The
tokenizer is now ``case_sensitive 1``: both sides are already folded by
``pauhu_crm_core.search``, so an FTS5 phrase of three or more characters matches
exactly the keys that contain it (a byte-for-byte substring test), and the
``LIKE`` is needed only for shorter terms.

The triggers keep the tables in step as 0001's did: a contact or company row's
insert, delete and change of ``search_text`` (a contact's ``rowid`` and
``workspace_id`` never change); a workspace's insert and delete keep its number.
A contentless table cannot ``rebuild`` from its base, so
``rebuild_fts_tables`` (``sql/search.py``) empties it and inserts every row
again, e.g. after a ``VACUUM`` renumbered the rowids.

PostgreSQL searches through ``pg_trgm``: nothing to do.

Revision ID: 0010_sqlite_search_by_workspace
Revises: 0009_record_counters
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0010_sqlite_search_by_workspace"
down_revision = "0009_record_counters"
branch_labels = None
depends_on = None

SEARCHABLE = ("contacts", "companies")
WORKSPACE_SPAN = 1 << 40
"""Rowids one workspace's entries may take; a base table's rowids stay below it."""


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE fts_workspaces ("
        "number INTEGER PRIMARY KEY AUTOINCREMENT, workspace_id TEXT NOT NULL UNIQUE)"
    )
    op.execute("INSERT INTO fts_workspaces(workspace_id) SELECT id FROM workspaces ORDER BY rowid")
    op.execute(
        "CREATE TRIGGER fts_workspaces_ai AFTER INSERT ON workspaces BEGIN "
        "INSERT INTO fts_workspaces(workspace_id) VALUES (new.id); END"
    )
    op.execute(
        "CREATE TRIGGER fts_workspaces_ad AFTER DELETE ON workspaces BEGIN "
        "DELETE FROM fts_workspaces WHERE workspace_id = old.id; END"
    )
    for table in SEARCHABLE:
        _drop_fts(table)
        _create_fts(
            table,
            key=_key("{row}"),
            tokenize="trigram case_sensitive 1",
            content="content=''",
        )
        fts = f"{table}_fts"
        op.execute(
            f"INSERT INTO {fts}(rowid, search_text) "
            f"SELECT {_key(table)}, {table}.search_text FROM {table}"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in SEARCHABLE:
        _drop_fts(table)
        _create_fts(
            table,
            key="{row}.rowid",
            tokenize="trigram",
            content=f"content='{table}', content_rowid='rowid'",
        )
        op.execute(f"INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')")
    op.execute("DROP TRIGGER fts_workspaces_ai")
    op.execute("DROP TRIGGER fts_workspaces_ad")
    op.execute("DROP TABLE fts_workspaces")


def _key(row: str) -> str:
    """The FTS rowid of base row ``row`` (a table name, or ``old``/``new`` in a trigger)."""
    return (
        f"(SELECT number FROM fts_workspaces WHERE workspace_id = {row}.workspace_id) "
        f"* {WORKSPACE_SPAN} + {row}.rowid"
    )


def _drop_fts(table: str) -> None:
    for suffix in ("ai", "ad", "au"):
        op.execute(f"DROP TRIGGER {table}_fts_{suffix}")
    op.execute(f"DROP TABLE {table}_fts")


def _create_fts(table: str, *, key: str, tokenize: str, content: str) -> None:
    """``<table>_fts`` and its three triggers; ``key`` is the FTS rowid over ``{row}``."""
    fts = f"{table}_fts"
    old, new = key.format(row="old"), key.format(row="new")
    delete_old = (
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', {old}, old.search_text);"
    )
    insert_new = f"INSERT INTO {fts}(rowid, search_text) VALUES ({new}, new.search_text);"
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_text, {content}, tokenize='{tokenize}')"
    )
    op.execute(f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert_new} END")
    op.execute(f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete_old} END")
    op.execute(
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF search_text ON {table} "
        f"WHEN old.search_text IS NOT new.search_text BEGIN {delete_old} {insert_new} END"
    )
