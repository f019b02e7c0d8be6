"""Deliveries: rows <-> ``Delivery`` and the claims that make each step sent at most once.

A run owns an (enrolment, step) by writing its row in state ``claimed`` and
committing *before* it calls the mailer. The unique key on
``(workspace_id, enrollment_id, step_index)`` decides between racing runs, in
separate processes too: ``INSERT … ON CONFLICT DO NOTHING`` lets exactly one
insert a new pair, and a failed pair is re-claimed by an UPDATE whose rows are
locked with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (a racing run skips them
rather than waits; SQLite runs writers one at a time anyway).

A delivery has no foreign key to its contact: deleting a contact leaves the record
of what was sent. Erasure deletes it explicitly (``delete_for_contact``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Update,
    bindparam,
    delete,
    func,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError

from pauhu_crm_core.entities import Delivery, DeliveryStatus, Page
from pauhu_crm_core.ports import DeliveryClaim

from ..errors import translate_write_error
from ..tables import deliveries
from .base import RowValues, TenantTableBase, equal_to, insert_or_ignore

_CLAIMED = DeliveryStatus.CLAIMED.value
_FAILED = DeliveryStatus.FAILED.value
_RELEASABLE = (DeliveryStatus.UNCERTAIN.value, DeliveryStatus.FAILED.value)
_OUTCOME_COLUMNS = ("id", "run_id", "status", "error", "sent_at", "attempts")


def delivery_from_row(row: RowValues) -> Delivery:
    return Delivery(
        id=row["id"],
        enrollment_id=row["enrollment_id"],
        step_index=row["step_index"],
        contact_id=row["contact_id"],
        sequence_id=row["sequence_id"],
        message_id=row["message_id"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        run_id=row["run_id"],
        error=row["error"],
        claimed_at=row["claimed_at"],
        sent_at=row["sent_at"],
    )


def delivery_values(delivery: Delivery) -> dict[str, Any]:
    """Every column of a delivery's row but ``workspace_id``."""
    return {
        "id": delivery.id,
        "enrollment_id": delivery.enrollment_id,
        "step_index": delivery.step_index,
        "contact_id": delivery.contact_id,
        "sequence_id": delivery.sequence_id,
        "message_id": delivery.message_id,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "run_id": delivery.run_id,
        "error": delivery.error,
        "claimed_at": delivery.claimed_at,
        "sent_at": delivery.sent_at,
    }


def claimed_delivery(claim: DeliveryClaim, run_id: str, at: datetime) -> Delivery:
    """The row a first claim of a pair inserts."""
    return Delivery(
        id=claim.id,
        enrollment_id=claim.enrollment_id,
        step_index=claim.step_index,
        contact_id=claim.contact_id,
        sequence_id=claim.sequence_id,
        message_id=claim.message_id,
        status=DeliveryStatus.CLAIMED,
        attempts=1,
        run_id=run_id,
        claimed_at=at,
    )


class SqlDeliveryRepository(TenantTableBase[Delivery]):
    table = deliveries
    order_by = (deliveries.c.claimed_at.desc(), deliveries.c.id.desc())
    from_row = delivery_from_row
    to_values = delivery_values

    async def claim(
        self, claims: Sequence[DeliveryClaim], *, run_id: str, at: datetime, max_attempts: int
    ) -> Sequence[Delivery]:
        """Insert the new pairs and re-claim the retryable failed ones, each statement
        answering the rows it wrote: those are what this run owns. Two statements per
        batch (the insert is one multi-row ``INSERT … RETURNING`` per thousand rows)."""
        if not claims:
            return []
        # Claims in one global order: two runs inserting overlapping pairs then wait on
        # each other in the same order, and PostgreSQL never sees a deadlock.
        ordered = sorted(claims, key=lambda c: (c.enrollment_id, c.step_index))
        rows = [
            {"workspace_id": self._workspace_id, **delivery_values(claimed_delivery(c, run_id, at))}
            for c in ordered
        ]
        new_pairs = insert_or_ignore(
            self._conn, deliveries, "workspace_id", "enrollment_id", "step_index"
        ).returning(*self._entity_columns)
        try:
            # A pair another run holds conflicts and is skipped, so it is not returned.
            inserted = (await self._conn.execute(new_pairs, rows)).mappings().all()
        except IntegrityError as exc:  # a used claim id, or a workspace that does not exist
            raise translate_write_error(exc, deliveries, rows[0] if len(rows) == 1 else {}) from exc

        d = deliveries.c
        failed = deliveries.alias("failed")
        retryable = (
            self._pairs(failed, ordered)
            & (failed.c.status == _FAILED)
            & (failed.c.attempts < max_attempts)
        )
        # Lock the rows to re-claim first; rows a racing run has locked are skipped.
        locked = select(failed.c.id).where(retryable).with_for_update(skip_locked=True)
        reclaimed = await self._conn.execute(
            update(deliveries)
            .where(
                self._in_workspace()
                & d.id.in_(locked)
                & (d.status == _FAILED)
                & (d.attempts < max_attempts)
            )
            .values(
                status=_CLAIMED, attempts=d.attempts + 1, run_id=run_id, claimed_at=at, error=None
            )
            .returning(*self._entity_columns)
        )
        owned = [delivery_from_row(row) for row in [*inserted, *reclaimed.mappings()]]
        return sorted(owned, key=lambda d: (d.enrollment_id, d.step_index))

    def _pairs(self, table: FromClause, claims: Sequence[DeliveryClaim]) -> ColumnElement[bool]:
        """This workspace's rows for the claimed (enrolment, step) pairs. The plain IN on
        the enrolment lets the unique key's index narrow the rows; the tuple IN is exact."""
        t = table.c
        return (
            (t.workspace_id == self._workspace_id)
            & t.enrollment_id.in_(sorted({c.enrollment_id for c in claims}))
            & tuple_(t.enrollment_id, t.step_index).in_(
                [(c.enrollment_id, c.step_index) for c in claims]
            )
        )

    async def record(self, deliveries_: Sequence[Delivery]) -> None:
        """Write status, error, sent_at and attempts. Only the run that holds a claim writes
        its outcome: a row another run has since claimed is left alone.

        On PostgreSQL, one ``UPDATE … FROM unnest(…)`` for the whole batch: six array
        parameters, so the statement is the same for every batch (compiled and prepared
        once) and planned with its rows, instead of one execution per row. SQLite, in
        process, takes an executemany."""
        if not deliveries_:
            return
        rows = [
            {
                "id": delivery.id,
                "run_id": delivery.run_id,
                "status": delivery.status.value,
                "error": delivery.error,
                "sent_at": delivery.sent_at,
                "attempts": delivery.attempts,
            }
            for delivery in sorted(deliveries_, key=lambda d: d.id)
        ]
        if self._conn.dialect.name == "postgresql":
            await self._conn.execute(
                self._record_from_arrays(),
                {f"o_{name}": [row[name] for row in rows] for name in _OUTCOME_COLUMNS},
            )
            return
        d = deliveries.c
        statement = (
            update(deliveries)
            .where(
                self._in_workspace()
                & (d.id == bindparam("p_id"))
                & (d.run_id == bindparam("p_run_id"))
            )
            .values(
                status=bindparam("p_status"),
                error=bindparam("p_error"),
                sent_at=bindparam("p_sent_at"),
                attempts=bindparam("p_attempts"),
            )
        )
        await self._conn.execute(
            statement, [{f"p_{name}": value for name, value in row.items()} for row in rows]
        )

    def _record_from_arrays(self) -> Update:
        d = deliveries.c
        outcome = (
            func.unnest(
                *(bindparam(f"o_{name}", type_=ARRAY(d[name].type)) for name in _OUTCOME_COLUMNS)
            )
            .table_valued(*_OUTCOME_COLUMNS)
            .render_derived(name="outcome")
        )
        o = outcome.c
        return (
            update(deliveries)
            .where(self._in_workspace() & (d.id == o.id) & (d.run_id == o.run_id))
            .values({name: o[name] for name in _OUTCOME_COLUMNS[2:]})
        )

    async def mark_uncertain(self, claimed_before: datetime) -> int:
        d = deliveries.c
        result = await self._conn.execute(
            update(deliveries)
            .where(self._in_workspace() & (d.status == _CLAIMED) & (d.claimed_at < claimed_before))
            .values(status=DeliveryStatus.UNCERTAIN.value)
        )
        return result.rowcount

    async def find(
        self,
        *,
        status: DeliveryStatus | None = None,
        contact_id: str | None = None,
        limit: int,
        offset: int,
    ) -> Page[Delivery]:
        """Most recently claimed first; ``contact_id`` keeps one contact's
        (``ix_deliveries_contact``)."""
        conditions = equal_to(deliveries, {"status": status, "contact_id": contact_id})
        return await self._page(conditions, limit=limit, offset=offset)

    async def delete_for_contact(self, contact_id: str) -> int:
        """Delete a contact's delivery records (erasure), whatever their state, in one
        statement; answer how many. Its enrolments go too, so nothing sends the steps again."""
        return await self._delete_where(deliveries.c.contact_id == contact_id)

    async def release(self, id: str) -> bool:
        """Delete the row if it is ``uncertain`` or ``failed``; a sent or live claim stays."""
        result = await self._conn.execute(
            delete(deliveries).where(self._is(id) & deliveries.c.status.in_(_RELEASABLE))
        )
        return result.rowcount > 0
