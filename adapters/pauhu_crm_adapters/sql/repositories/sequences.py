"""Sequences: rows <-> ``EmailSequence`` and the sequence repository.

A sequence's steps are one JSON column: they are always read and written
whole, and no query looks inside them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pauhu_crm_core.entities import (
    EmailSequence,
    EnrollmentCounts,
    EnrollmentStatus,
    Page,
    ScoreSegment,
    SequenceStatus,
    SequenceStep,
)

from ..errors import translate_write_error
from ..tables import enrollments, sequences
from .base import RowValues, TenantTableBase, insert_or_ignore


def sequence_from_row(row: RowValues) -> EmailSequence:
    segment = row["segment"]
    return EmailSequence(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        segment=None if segment is None else ScoreSegment(segment),
        status=SequenceStatus(row["status"]),
        steps=tuple(
            SequenceStep(
                subject=step["subject"], body=step["body"], delay_days=int(step["delay_days"])
            )
            for step in row["steps"]
        ),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def sequence_values(sequence: EmailSequence) -> dict[str, Any]:
    """Every column of a sequence's row but ``workspace_id``."""
    return {
        "id": sequence.id,
        "name": sequence.name,
        "description": sequence.description,
        "segment": None if sequence.segment is None else sequence.segment.value,
        "status": sequence.status.value,
        "steps": [
            {"subject": step.subject, "body": step.body, "delay_days": step.delay_days}
            for step in sequence.steps
        ],
        "created_at": sequence.created_at,
        "updated_at": sequence.updated_at,
    }


class SqlSequenceRepository(TenantTableBase[EmailSequence]):
    table = sequences
    # Oldest first: a new workspace's default sequences list in the order they were given.
    order_by = (sequences.c.created_at, sequences.c.id)
    from_row = sequence_from_row
    to_values = sequence_values

    async def add(self, sequence: EmailSequence) -> None:
        await self._add(sequence)

    async def add_missing(self, sequences_: Sequence[EmailSequence]) -> None:
        """One ``INSERT … ON CONFLICT DO NOTHING``: safe when two first requests race."""
        if not sequences_:
            return
        rows = [{"workspace_id": self._workspace_id, **sequence_values(s)} for s in sequences_]
        statement = insert_or_ignore(self._conn, sequences, "workspace_id", "id").values(rows)
        try:
            await self._conn.execute(statement)
        except IntegrityError as exc:  # only the workspace's foreign key is left to fail
            raise translate_write_error(exc, sequences, rows[0]) from exc

    async def replace(self, sequence: EmailSequence) -> None:
        await self._replace(sequence)

    async def find(self, *, limit: int, offset: int) -> Page[EmailSequence]:
        return await self._page((), limit=limit, offset=offset)

    async def enrollment_counts(
        self, sequence_ids: Collection[str]
    ) -> Mapping[str, EnrollmentCounts]:
        """One ``GROUP BY sequence_id, status``; a sequence without enrolments gets zeros."""
        if not sequence_ids:
            return {}
        result = await self._conn.execute(
            select(enrollments.c.sequence_id, enrollments.c.status, func.count().label("n"))
            .where(
                (enrollments.c.workspace_id == self._workspace_id)
                & enrollments.c.sequence_id.in_(list(sequence_ids))
            )
            .group_by(enrollments.c.sequence_id, enrollments.c.status)
        )
        counted: dict[str, dict[EnrollmentStatus, int]] = {id: {} for id in sequence_ids}
        for row in result.mappings():
            counted[row["sequence_id"]][EnrollmentStatus(row["status"])] = int(row["n"])
        return {id: _counts(by_status) for id, by_status in counted.items()}


def _counts(by_status: Mapping[EnrollmentStatus, int]) -> EnrollmentCounts:
    return EnrollmentCounts(
        active=by_status.get(EnrollmentStatus.ACTIVE, 0),
        completed=by_status.get(EnrollmentStatus.COMPLETED, 0),
        stopped=by_status.get(EnrollmentStatus.STOPPED, 0),
    )
