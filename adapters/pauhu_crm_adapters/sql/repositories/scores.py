"""The score history: rows <-> ``ScoreRecord`` and the score repository.

A record's criteria are one JSON list (``[{"key", "points", "rationale"}, …]``),
always read and written whole. Deleting a contact deletes its records (the
foreign key cascades); deleting its company does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from pauhu_crm_core.entities import Page
from pauhu_crm_core.scoring import CriterionScore, ScoreRecord

from ..errors import translate_write_error
from ..tables import score_history
from .base import RowValues, TenantTableBase, equal_to


def score_record_from_row(row: RowValues) -> ScoreRecord:
    return ScoreRecord(
        id=row["id"],
        contact_id=row["contact_id"],
        company_id=row["company_id"],
        scorer=row["scorer"],
        model=row["model"],
        prompt_version=row["prompt_version"],
        input_hash=row["input_hash"],
        criteria=tuple(
            CriterionScore(key=c["key"], points=c["points"], rationale=c["rationale"])
            for c in row["criteria"]
        ),
        score=row["score"],
        created_at=row["created_at"],
    )


def score_record_values(record: ScoreRecord) -> dict[str, Any]:
    """Every column of a score record's row but ``workspace_id``."""
    return {
        "id": record.id,
        "contact_id": record.contact_id,
        "company_id": record.company_id,
        "scorer": record.scorer,
        "model": record.model,
        "prompt_version": record.prompt_version,
        "input_hash": record.input_hash,
        "criteria": [
            {"key": c.key, "points": c.points, "rationale": c.rationale} for c in record.criteria
        ],
        "score": record.score,
        "created_at": record.created_at,
    }


class SqlScoreRepository(TenantTableBase[ScoreRecord]):
    table = score_history
    order_by = (score_history.c.created_at.desc(), score_history.c.id.desc())
    from_row = score_record_from_row
    to_values = score_record_values

    async def add_many(self, records: Sequence[ScoreRecord]) -> None:
        """One executemany INSERT (a scoring run writes a whole batch at once). A record
        whose contact is not in this workspace is a ``ValidationFailed``."""
        if not records:
            return
        rows = [{"workspace_id": self._workspace_id, **score_record_values(r)} for r in records]
        try:
            await self._conn.execute(insert(score_history), rows)
        except IntegrityError as exc:
            # Which row broke a rule is unknown in a batch, so name a value only for one.
            raise translate_write_error(
                exc, score_history, rows[0] if len(rows) == 1 else {}
            ) from exc

    async def find(self, *, contact_id: str, limit: int, offset: int) -> Page[ScoreRecord]:
        """One contact's records, newest first (``ix_score_history_contact``)."""
        return await self._page(
            equal_to(score_history, {"contact_id": contact_id}), limit=limit, offset=offset
        )
