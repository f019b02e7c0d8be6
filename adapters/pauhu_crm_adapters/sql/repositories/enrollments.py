"""Enrolments: rows <-> ``Enrollment`` and the enrolment repository.

"One active enrolment per contact" is a partial unique index, so it holds
even when a manual and an automatic enrolment race; ``add_many_if_free``
leans on the same index with ``ON CONFLICT … DO NOTHING``. ``due`` is the engine's
read: one query for a batch of enrolments with everything sending needs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Table,
    Update,
    any_,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError

from pauhu_crm_core.entities import Enrollment, EnrollmentStatus, Page, SequenceStatus
from pauhu_crm_core.ports import DueEnrollment

from ..errors import translate_write_error
from ..tables import ACTIVE_ENROLLMENT, companies, contacts, enrollments, sequences
from .base import NOT_ENTITY_COLUMNS, RowValues, TenantTableBase, equal_to, insert_or_ignore
from .companies import company_from_row
from .contacts import contact_from_row
from .sequences import sequence_from_row

_ACTIVE = EnrollmentStatus.ACTIVE.value


def enrollment_from_row(row: RowValues) -> Enrollment:
    return Enrollment(
        id=row["id"],
        sequence_id=row["sequence_id"],
        contact_id=row["contact_id"],
        status=EnrollmentStatus(row["status"]),
        enrolled_at=row["enrolled_at"],
        enrolled_on=row["enrolled_on"],
        next_step=row["next_step"],
        next_due_on=row["next_due_on"],
        stopped_reason=row["stopped_reason"],
        ended_at=row["ended_at"],
        updated_at=row["updated_at"],
    )


def enrollment_values(enrollment: Enrollment) -> dict[str, Any]:
    """Every column of an enrolment's row but ``workspace_id``."""
    return {
        "id": enrollment.id,
        "sequence_id": enrollment.sequence_id,
        "contact_id": enrollment.contact_id,
        "status": enrollment.status.value,
        "enrolled_at": enrollment.enrolled_at,
        "enrolled_on": enrollment.enrolled_on,
        "next_step": enrollment.next_step,
        "next_due_on": enrollment.next_due_on,
        "stopped_reason": enrollment.stopped_reason,
        "ended_at": enrollment.ended_at,
        "updated_at": enrollment.updated_at,
    }


_WRITTEN = [c.name for c in enrollments.c if c.name not in ("workspace_id", "id")]
_ARRAY_COLUMNS = ("id", *_WRITTEN)


def _ids_parameter() -> BindParameter[Any]:
    return bindparam("ids", type_=ARRAY(enrollments.c.id.type))


class SqlEnrollmentRepository(TenantTableBase[Enrollment]):
    table = enrollments
    order_by = (enrollments.c.enrolled_at.desc(), enrollments.c.id.desc())
    from_row = enrollment_from_row
    to_values = enrollment_values

    async def add(self, enrollment: Enrollment) -> None:
        """Raises ``Conflict`` (field ``contact_id``) when the contact is already active."""
        await self._add(enrollment)

    async def add_many_if_free(self, enrollments_: Sequence[Enrollment]) -> Sequence[Enrollment]:
        """One ``INSERT … ON CONFLICT (workspace_id, contact_id) WHERE status = 'active'
        DO NOTHING RETURNING id``: an enrolment whose contact is already actively enrolled —
        by an earlier row, an earlier one of this batch, or a transaction that commits
        meanwhile (PostgreSQL waits for it; SQLite runs writers one at a time) — is skipped.
        Answers the inserted ones, in the order given. A used enrolment id or a sequence or
        contact not of this workspace is still an error, as for ``add``."""
        if not enrollments_:
            return []
        # In contact order, so that racing batches wait on each other in one order (a
        # stable sort: of two for one contact, the one given first is the one inserted).
        ordered = sorted(enrollments_, key=lambda e: e.contact_id)
        rows = [{"workspace_id": self._workspace_id, **enrollment_values(e)} for e in ordered]
        statement = insert_or_ignore(
            self._conn, enrollments, "workspace_id", "contact_id", where=ACTIVE_ENROLLMENT
        ).returning(enrollments.c.id)
        try:
            result = await self._conn.execute(statement, rows)
        except IntegrityError as exc:
            raise translate_write_error(
                exc, enrollments, rows[0] if len(rows) == 1 else {}
            ) from exc
        inserted = set(result.scalars())
        return [e for e in enrollments_ if e.id in inserted]

    async def find(
        self,
        *,
        sequence_id: str | None = None,
        contact_id: str | None = None,
        status: EnrollmentStatus | None = None,
        limit: int,
        offset: int,
    ) -> Page[Enrollment]:
        """Newest enrolment first."""
        conditions = equal_to(
            enrollments, {"sequence_id": sequence_id, "contact_id": contact_id, "status": status}
        )
        return await self._page(conditions, limit=limit, offset=offset)

    async def replace_many(self, enrollments_: Sequence[Enrollment]) -> None:
        """Write every field of these enrolments: on PostgreSQL one ``UPDATE … FROM
        unnest(…)`` (array parameters: one statement for any batch, planned with its rows),
        elsewhere one executemany. Enrolments that are not in this workspace are left alone
        (there is nothing to write them over); a second active one for a contact is a
        ``Conflict``."""
        if not enrollments_:
            return
        # In id order, so that racing batches lock rows in one order (no deadlock).
        by_id = sorted(enrollments_, key=lambda e: e.id)
        rows = [enrollment_values(e) for e in by_id]
        try:
            if self._conn.dialect.name == "postgresql":
                # The join of a set-based UPDATE locks rows in the plan's order: take the
                # locks in id order first.
                await self._conn.execute(
                    select(enrollments.c.id)
                    .where(self._in_workspace() & (enrollments.c.id == any_(_ids_parameter())))
                    .order_by(enrollments.c.id)
                    .with_for_update(),
                    {"ids": [row["id"] for row in rows]},
                )
                await self._conn.execute(
                    self._replace_from_arrays(),
                    {f"o_{name}": [row[name] for row in rows] for name in _ARRAY_COLUMNS},
                )
            else:
                # The parameters are prefixed: SQLAlchemy reserves a column's own name for
                # its SET value.
                statement = (
                    update(enrollments)
                    .where(self._in_workspace() & (enrollments.c.id == bindparam("p_id")))
                    .values({name: bindparam(f"p_{name}") for name in _WRITTEN})
                )
                await self._conn.execute(
                    statement, [{f"p_{k}": v for k, v in row.items()} for row in rows]
                )
        except IntegrityError as exc:
            # Only an active row can break the one-active-per-contact index; name its
            # contact when that is unambiguous.
            active = [e for e in enrollments_ if e.status is EnrollmentStatus.ACTIVE]
            values = enrollment_values(active[0]) if len(active) == 1 else {}
            raise translate_write_error(exc, enrollments, values) from exc

    def _replace_from_arrays(self) -> Update:
        e = enrollments.c
        given = (
            func.unnest(
                *(bindparam(f"o_{name}", type_=ARRAY(e[name].type)) for name in _ARRAY_COLUMNS)
            )
            .table_valued(*_ARRAY_COLUMNS)
            .render_derived(name="given")
        )
        return (
            update(enrollments)
            .where(self._in_workspace() & (e.id == given.c.id))
            .values({name: given.c[name] for name in _WRITTEN})
        )

    async def due(
        self, today: date, *, after_id: str | None, limit: int
    ) -> Sequence[DueEnrollment]:
        """One query joining the enrolment to its (active) sequence, its contact and the
        contact's company, in id order after ``after_id`` (keyset paging); then one for
        the batch's sequences. A batch shares a few sequences, whose steps (a JSON
        document each) are read once, not once per row."""
        e, s, c, co = enrollments.c, sequences.c, contacts.c, companies.c
        where = (
            (e.workspace_id == self._workspace_id)
            & (e.status == _ACTIVE)
            & (e.next_due_on <= today)
            & (s.status == SequenceStatus.ACTIVE.value)
        )
        if after_id is not None:
            where = where & (e.id > after_id)
        joined = (
            enrollments.join(
                sequences, (s.workspace_id == e.workspace_id) & (s.id == e.sequence_id)
            )
            .join(contacts, (c.workspace_id == e.workspace_id) & (c.id == e.contact_id))
            .outerjoin(companies, (co.workspace_id == c.workspace_id) & (co.id == c.company_id))
        )
        result = await self._conn.execute(
            select(*_DUE_COLUMNS).select_from(joined).where(where).order_by(e.id).limit(limit)
        )
        rows = result.mappings().all()
        if not rows:
            return []
        read = await self._conn.execute(
            select(*_SEQUENCE_COLUMNS).where(
                (s.workspace_id == self._workspace_id)
                & s.id.in_(sorted({row["e_sequence_id"] for row in rows}))
            )
        )
        by_id = {row["id"]: sequence_from_row(row) for row in read.mappings()}
        return [
            DueEnrollment(
                enrollment=enrollment_from_row(_Prefixed(row, "e_")),
                sequence=by_id[row["e_sequence_id"]],
                contact=contact_from_row(_Prefixed(row, "c_")),
                company=None if row["co_id"] is None else company_from_row(_Prefixed(row, "co_")),
            )
            for row in rows
        ]

    async def stop_active(
        self,
        reason: str,
        at: datetime,
        *,
        contact_id: str | None = None,
        sequence_id: str | None = None,
    ) -> int:
        """One UPDATE over the active enrolments of the contact and/or in the sequence."""
        if contact_id is None and sequence_id is None:
            raise ValueError("stop_active needs a contact_id or a sequence_id (or both)")
        conditions = equal_to(enrollments, {"contact_id": contact_id, "sequence_id": sequence_id})
        where = self._in_workspace() & (enrollments.c.status == _ACTIVE)
        for condition in conditions:
            where = where & condition
        result = await self._conn.execute(
            update(enrollments)
            .where(where)
            .values(
                status=EnrollmentStatus.STOPPED.value,
                stopped_reason=reason,
                ended_at=at,
                next_due_on=None,
                updated_at=at,
            )
        )
        return result.rowcount

    async def delete_for_contact(self, contact_id: str) -> None:
        """Erase a contact's enrolments (before the contact itself); its delivery records
        are the deliveries repository's ``delete_for_contact``."""
        of_contact = self._in_workspace() & (enrollments.c.contact_id == contact_id)
        await self._conn.execute(delete(enrollments).where(of_contact))


def _labelled(table: Table, prefix: str) -> list[ColumnElement[Any]]:
    """The entity columns of ``table``, labelled ``<prefix><name>`` so that the joined
    tables' ``id``, ``status``, ``name``… do not collide."""
    return [c.label(prefix + c.name) for c in table.c if c.name not in NOT_ENTITY_COLUMNS]


_DUE_COLUMNS = (
    *_labelled(enrollments, "e_"),
    *_labelled(contacts, "c_"),
    *_labelled(companies, "co_"),
)
_SEQUENCE_COLUMNS = tuple(c for c in sequences.c if c.name not in NOT_ENTITY_COLUMNS)


class _Prefixed(Mapping[str, Any]):
    """One joined table's columns of a ``due`` row, by their own names: a view, so a
    batch's rows are not copied into a dict per table."""

    __slots__ = ("_prefix", "_row")

    def __init__(self, row: RowValues, prefix: str) -> None:
        self._row = row
        self._prefix = prefix

    def __getitem__(self, name: str) -> Any:
        return self._row[self._prefix + name]

    def __iter__(self) -> Iterator[str]:
        size = len(self._prefix)
        return (key[size:] for key in self._row if key.startswith(self._prefix))

    def __len__(self) -> int:
        return sum(1 for _ in self)
