"""Contacts: rows <-> ``Contact`` and the contact repository, with the scoring reads and writes.

A score typed in by a person is marked by ``score_breakdown.scorer == "manual"``;
a rescoring run must leave it alone. That key is read with SQLAlchemy's JSON
index access: ``JSON_EXTRACT`` on SQLite, ``->>`` on PostgreSQL's JSONB.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError

from pauhu_crm_core.entities import Contact, LifecycleStage, Page, ScoreSegment
from pauhu_crm_core.ports import AppliedScore, ContactFilter
from pauhu_crm_core.scoring import ScoreSummary
from pauhu_crm_core.search import contact_search_text

from ..counters import SCORED_LEAD_SCORE, TOTAL
from ..tables import contacts, record_counts
from .base import IN_CHUNK, RowValues, TenantTableRepository, equal_to, transient_error


def contact_from_row(row: RowValues) -> Contact:
    segment = row["score_segment"]
    return Contact(
        id=row["id"],
        email=row["email"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        phone=row["phone"],
        title=row["title"],
        company_id=row["company_id"],
        lifecycle_stage=LifecycleStage(row["lifecycle_stage"]),
        lead_score=row["lead_score"],
        lead_source=row["lead_source"],
        owner_id=row["owner_id"],
        tags=tuple(row["tags"]),
        custom_fields=row["custom_fields"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        last_activity_at=row["last_activity_at"],
        score_segment=None if segment is None else ScoreSegment(segment),
        scored_at=row["scored_at"],
        score_breakdown=row["score_breakdown"],
        unsubscribed_at=row["unsubscribed_at"],
    )


def contact_values(contact: Contact) -> dict[str, Any]:
    """Every column of a contact's row but ``workspace_id``, with its search key."""
    breakdown = contact.score_breakdown
    return {
        "id": contact.id,
        "email": contact.email,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "phone": contact.phone,
        "title": contact.title,
        "company_id": contact.company_id,
        "lifecycle_stage": contact.lifecycle_stage.value,
        "lead_score": contact.lead_score,
        "lead_source": contact.lead_source,
        "owner_id": contact.owner_id,
        "tags": list(contact.tags),
        "custom_fields": dict(contact.custom_fields),
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
        "last_activity_at": contact.last_activity_at,
        "score_segment": None if contact.score_segment is None else contact.score_segment.value,
        "scored_at": contact.scored_at,
        "score_breakdown": None if breakdown is None else dict(breakdown),
        "unsubscribed_at": contact.unsubscribed_at,
        "search_text": contact_search_text(contact),
    }


COUNTING = "pauhu_crm.counting"
BATCH = "batch"
"""``pauhu_crm.counting = 'batch'``: the writer counts its own batch, so the contacts' update
trigger (revision 0009, PostgreSQL) stands down for the transaction's next statements."""

MANUAL_SCORER = "manual"
"""``score_breakdown.scorer`` of a score set by hand (see the core's contact service)."""


def scorer_of(column: Any = contacts.c.score_breakdown) -> ColumnElement[str]:
    """``score_breakdown.scorer`` as text (NULL when there is no breakdown or no scorer)."""
    scorer: ColumnElement[str] = column["scorer"].as_string()
    return scorer


def _equalities(filter: ContactFilter) -> dict[str, object]:
    return {
        "lifecycle_stage": filter.stage,
        "company_id": filter.company_id,
        "owner_id": filter.owner_id,
        "score_segment": filter.segment,
    }


class SqlContactRepository(TenantTableRepository[Contact]):
    table = contacts
    order_by = (contacts.c.created_at.desc(), contacts.c.id.desc())
    reference_fields = frozenset({"company_id"})
    counted_facets = frozenset({"lifecycle_stage", "score_segment"})
    from_row = contact_from_row
    to_values = contact_values

    async def add(self, contact: Contact) -> None:
        await self._add(contact)

    async def replace(self, contact: Contact) -> None:
        await self._replace(contact)

    async def find(self, filter: ContactFilter, *, limit: int, offset: int) -> Page[Contact]:
        counter = None if filter.search is not None else self._counter(_equalities(filter))
        return await self._page(
            equal_to(contacts, _equalities(filter)),
            limit=limit,
            offset=offset,
            counter=counter,
            search=filter.search,
        )

    async def latest(self, filter: ContactFilter, *, limit: int) -> Sequence[Contact]:
        return await self._first(self._conditions(filter), limit)

    def _conditions(self, filter: ContactFilter) -> list[ColumnElement[bool]]:
        conditions = equal_to(contacts, _equalities(filter))
        if filter.search is not None:
            conditions.append(self._search(filter.search))
        return conditions

    async def touch_last_activity_many(self, times: Mapping[str, datetime]) -> None:
        """``touch_last_activity`` for many contacts, as one executemany UPDATE."""
        if not times:
            return
        column = contacts.c.last_activity_at
        statement = (
            update(contacts)
            .where(
                (contacts.c.workspace_id == self._workspace_id)
                & (contacts.c.id == bindparam("contact_id"))
                & or_(column.is_(None), column < bindparam("moment"))
            )
            .values(last_activity_at=bindparam("moment"))
        )
        await self._conn.execute(
            statement, [{"contact_id": id, "moment": at} for id, at in times.items()]
        )

    async def touch_last_activity(self, id: str, at: datetime) -> None:
        """One UPDATE that only ever moves ``last_activity_at`` forward (safe under races)."""
        column = contacts.c.last_activity_at
        await self._conn.execute(
            update(contacts)
            .where(self._is(id) & or_(column.is_(None), column < at))
            .values(last_activity_at=at)
        )

    async def scoring_candidates(
        self, *, rescore: bool, after_id: str | None, limit: int
    ) -> Sequence[Contact]:
        """By id after ``after_id``: the never-scored contacts (a range of the partial
        index ``ix_contacts_unscored``), and with ``rescore`` every contact but those scored by
        hand. A scored contact whose breakdown names no scorer was not scored by hand,
        so a rescore includes it."""
        c = contacts.c
        where = self._in_workspace()
        if after_id is not None:
            where = where & (c.id > after_id)
        if rescore:
            scorer = scorer_of()
            where = where & or_(c.scored_at.is_(None), scorer.is_(None), scorer != MANUAL_SCORER)
        else:
            where = where & c.scored_at.is_(None)
        result = await self._conn.execute(
            select(*self._entity_columns).where(where).order_by(c.id).limit(limit)
        )
        return [contact_from_row(row) for row in result.mappings()]

    async def apply_scores(self, scores: Sequence[AppliedScore]) -> None:
        """One executemany UPDATE of the score fields; ``updated_at`` becomes ``scored_at``.
        Contacts that are not in this workspace (or no longer exist) are left alone."""
        if not scores:
            return
        statement = (
            update(contacts)
            .where(self._in_workspace() & (contacts.c.id == bindparam("p_id")))
            .values(
                lead_score=bindparam("p_lead_score"),
                score_segment=bindparam("p_score_segment"),
                scored_at=bindparam("p_scored_at"),
                score_breakdown=bindparam(
                    "p_score_breakdown", type_=contacts.c.score_breakdown.type
                ),
                updated_at=bindparam("p_scored_at"),
            )
        )
        # In id order, so that racing batches lock rows in one order (no deadlock).
        rows = [
            {
                "p_id": score.contact_id,
                "p_lead_score": score.lead_score,
                "p_score_segment": None
                if score.score_segment is None
                else score.score_segment.value,
                "p_scored_at": score.scored_at,
                "p_score_breakdown": dict(score.score_breakdown),
            }
            for score in sorted(scores, key=lambda s: s.contact_id)
        ]
        try:
            if self._conn.dialect.name == "postgresql":
                await self._apply_counting_the_batch(statement, rows)
            else:  # SQLite: its triggers count each row (one writer at a time, in place)
                await self._conn.execute(statement, rows)
        except DBAPIError as exc:
            raise transient_error(exc) or exc from exc

    async def _apply_counting_the_batch(
        self, statement: Any, rows: Sequence[Mapping[str, Any]]
    ) -> None:
        """PostgreSQL: the batch's UPDATEs with the contacts' update trigger stood down, and
        their counter deltas added in one upsert.

        Per row, the trigger would update the same few counter rows once per contact, and
        PostgreSQL keeps every version a transaction wrote until it ends: a batch of 1,000
        would walk version chains hundreds long (milliseconds a row). Here the batch's rows
        are locked in id order first and their counted columns read (``FOR NO KEY
        UPDATE``: stable until commit); the updates run under ``pauhu_crm.counting =
        'batch'`` (transaction-local), which the trigger's WHEN skips; then the total row
        is locked and the deltas upserted in key order, as the trigger would. Locking every
        row first also keeps this batch from holding the counters while it waits for a
        contact a single-contact write holds (and that write from waiting for them).
        """
        c = contacts.c
        before: dict[str, tuple[int, str | None, bool]] = {}
        ids = [str(row["p_id"]) for row in rows]
        for start in range(0, len(ids), IN_CHUNK):
            result = await self._conn.execute(
                select(c.id, c.lead_score, c.score_segment, c.scored_at.is_not(None))
                .where(self._in_workspace() & c.id.in_(ids[start : start + IN_CHUNK]))
                .order_by(c.id)
                .with_for_update(key_share=True)
            )
            before.update({id: (score, segment, scored) for id, score, segment, scored in result})
        await self._conn.execute(select(func.set_config(COUNTING, BATCH, True)))
        await self._conn.execute(statement, rows)
        await self._conn.execute(select(func.set_config(COUNTING, "", True)))
        deltas: Counter[tuple[str, str]] = Counter()
        for row in rows:
            if (old := before.get(str(row["p_id"]))) is None:
                continue  # not in this workspace, or gone: nothing was updated
            score, segment, scored = old
            deltas["score_segment", segment or ""] -= 1
            deltas["score_segment", row["p_score_segment"] or ""] += 1
            if scored:
                deltas[SCORED_LEAD_SCORE, str(score)] -= 1
            deltas[SCORED_LEAD_SCORE, str(row["p_lead_score"])] += 1  # scored_at is set
        changes = sorted((key, delta) for key, delta in deltas.items() if delta)
        if not changes:
            return
        rc = record_counts.c
        await self._conn.execute(
            select(rc.count)
            .where(
                (rc.workspace_id == self._workspace_id)
                & (rc.resource == contacts.name)
                & (rc.facet == "")
                & (rc.value == "")
            )
            .with_for_update(key_share=True)
        )
        upsert = postgresql.insert(record_counts).values(
            [
                {
                    "workspace_id": self._workspace_id,
                    "resource": contacts.name,
                    "facet": facet,
                    "value": value,
                    "count": delta,
                }
                for (facet, value), delta in changes
            ]
        )
        await self._conn.execute(
            upsert.on_conflict_do_update(
                index_elements=[rc.workspace_id, rc.resource, rc.facet, rc.value],
                set_={"count": rc.count + upsert.excluded.count},
            )
        )

    async def score_summary(self) -> ScoreSummary:
        """From the contacts' counters (``counters.py``), one query however many contacts
        there are: the total, the count per segment, and the scored contacts per score,
        which give the number scored and the sum of their scores."""
        rc = record_counts.c
        result = await self._conn.execute(
            select(rc.facet, rc.value, rc.count).where(
                (rc.workspace_id == self._workspace_id)
                & (rc.resource == contacts.name)
                & rc.facet.in_(("", "score_segment", SCORED_LEAD_SCORE))
            )
        )
        counts = dict.fromkeys(ScoreSegment, 0)
        total = scored_total = points = 0
        for facet, value, count in result:
            if (facet, value) == TOTAL:
                total = int(count)
            elif facet == SCORED_LEAD_SCORE:
                scored_total += int(count)
                points += int(value) * int(count)
            elif value:  # a segment ('' is the contacts without one)
                counts[ScoreSegment(value)] += int(count)
        average = round(points / scored_total, 1) if scored_total else None
        return ScoreSummary(
            segment_counts=counts, unscored=total - scored_total, average_score=average
        )

    async def top_scored(self, limit: int) -> Sequence[Contact]:
        """Scored contacts by score, newest first on ties (then by id, so the order is total):
        ``ix_contacts_top_score`` read backwards."""
        c = contacts.c
        result = await self._conn.execute(
            select(*self._entity_columns)
            .where(self._in_workspace() & c.scored_at.is_not(None))
            .order_by(c.lead_score.desc(), c.created_at.desc(), c.id.desc())
            .limit(limit)
        )
        return [contact_from_row(row) for row in result.mappings()]
