"""Integrity errors from the drivers, translated into the core's error tree.

Only ``sqlalchemy.exc.IntegrityError`` is translated; anything else is a real
failure and propagates. The constraint is identified from the schema in
``tables.py``: PostgreSQL (asyncpg) names the violated constraint; SQLite
names the columns of a violated unique index, but says nothing about which
foreign key failed, so that one is reported against the field ``reference``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ForeignKeyConstraint, Table
from sqlalchemy.exc import IntegrityError

from pauhu_crm_core.errors import Conflict, CrmError, ValidationFailed

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>[\w.]+(?:, [\w.]+)*)")
_UNIQUE_SQLSTATE = "23505"
_FOREIGN_KEY_SQLSTATE = "23503"


def translate_write_error(
    exc: IntegrityError, written: Table, values: Mapping[str, Any]
) -> CrmError:
    """The ``Conflict`` or ``ValidationFailed`` for an insert/update of ``values`` into ``written``.

    An integrity error this module cannot attribute is re-raised unchanged:
    hiding it behind a vague message would hide a schema bug.
    """
    resource = written.info["resource"]
    constraint, sqlstate = _constraint_name(exc)
    unique_key = _unique_key(written, exc, constraint)
    if unique_key is not None:
        unique_field, message = unique_key
        if unique_field not in values:  # a batch write: which row broke the rule is unknown
            return Conflict(
                f"{resource} {unique_field} is already used in this workspace", field=unique_field
            )
        if message is None:
            message = f"{resource} {unique_field} {{value!r}} is already used in this workspace"
        return Conflict(message.format(value=values[unique_field]), field=unique_field)
    if sqlstate == _FOREIGN_KEY_SQLSTATE or "FOREIGN KEY constraint failed" in str(exc.orig):
        fk = _foreign_key(written, constraint)
        if fk is None:
            return ValidationFailed.single(
                "reference", "names a record that does not exist in this workspace"
            )
        column = _referencing_column(fk)
        if column == "workspace_id":
            return ValidationFailed.single(column, "the workspace does not exist yet")
        thing = fk.referred_table.info["resource"]
        return ValidationFailed.single(column, f"does not name a {thing} in this workspace")
    raise exc


def translate_delete_error(exc: IntegrityError, deleted: Table, id: str) -> CrmError:
    """A ``Conflict`` for deleting a row that other rows still reference.

    The services clear references before deleting, so this is a safety net.
    """
    resource = deleted.info["resource"]
    return Conflict(f"{resource} {id!r} is still referenced by other records")


def violates_unique_index(exc: IntegrityError, written: Table, index_name: str) -> bool:
    """Whether ``exc`` is a violation of ``written``'s unique index ``index_name`` — and not
    of its primary key, another unique index or a foreign key."""
    index = next((ix for ix in written.indexes if ix.name == index_name and ix.unique), None)
    if index is None:
        raise ValueError(f"{written.name} has no unique index {index_name!r}")
    constraint, sqlstate = _constraint_name(exc)
    if constraint is not None or sqlstate is not None:  # PostgreSQL names what was violated
        return sqlstate == _UNIQUE_SQLSTATE and constraint == index_name
    match = _SQLITE_UNIQUE.search(str(exc.orig))
    if match is None:
        return False
    failed = [name.split(".")[-1] for name in match["columns"].split(", ")]
    return failed == [c.name for c in index.columns]


def _constraint_name(exc: IntegrityError) -> tuple[str | None, str | None]:
    """asyncpg's ``constraint_name`` and SQLSTATE, via ``exc.orig``; SQLite has neither."""
    dbapi_error = exc.orig
    sqlstate = getattr(dbapi_error, "sqlstate", None)
    # SQLAlchemy's emulated asyncpg DBAPI error keeps the driver's exception as ``orig``.
    driver_error = getattr(dbapi_error, "orig", None) or getattr(dbapi_error, "__cause__", None)
    for error in (dbapi_error, driver_error):
        name = getattr(error, "constraint_name", None)
        if isinstance(name, str):
            return name, sqlstate
    return None, sqlstate


def _unique_key(
    written: Table, exc: IntegrityError, constraint: str | None
) -> tuple[str, str | None] | None:
    """The field of the violated primary key or unique index, if that is what was violated,
    and the index's own conflict message (``info["conflict"]``, formatted with ``value``)."""
    unique_keys: dict[object, tuple[list[str], str | None]] = {
        written.primary_key.name: ([c.name for c in written.primary_key.columns], None)
    }
    unique_keys.update(
        {
            ix.name: ([c.name for c in ix.columns], ix.info.get("conflict"))
            for ix in written.indexes
            if ix.unique
        }
    )
    if constraint is not None:
        key = unique_keys.get(constraint)
    else:
        match = _SQLITE_UNIQUE.search(str(exc.orig))
        if match is None:
            return None
        failed = [name.split(".")[-1] for name in match["columns"].split(", ")]
        key = next((k for k in unique_keys.values() if k[0] == failed), None)
    if key is None or not key[0]:
        return None
    columns, message = key
    return columns[-1], message  # the key is (workspace_id, <field>)


def _foreign_key(written: Table, constraint: str | None) -> ForeignKeyConstraint | None:
    for fk in written.foreign_key_constraints:
        if fk.name == constraint:
            return fk
    return None


def _referencing_column(fk: ForeignKeyConstraint) -> str:
    names = [c.name for c in fk.columns if c.name != "workspace_id"]
    return names[0] if names else "workspace_id"
