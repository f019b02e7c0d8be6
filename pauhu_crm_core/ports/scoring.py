"""Ports of lead scoring: the scorer and the score history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from attrs import frozen

from ..entities import (
    Page,
    ScoreSegment,
)
from ..scoring import Evaluation, LeadProfile, ScoreRecord


@frozen(kw_only=True)
class AppliedScore:
    """A contact's new score fields, as a scoring run writes them."""

    contact_id: str
    lead_score: int
    score_segment: ScoreSegment | None
    scored_at: datetime
    score_breakdown: Mapping[str, Any]


@runtime_checkable
class ScoreRepository(Protocol):
    """The score history: every evaluation applied to a contact."""

    async def add_many(self, records: Sequence[ScoreRecord]) -> None: ...
    async def find(self, *, contact_id: str, limit: int, offset: int) -> Page[ScoreRecord]:
        """One contact's history, newest first."""
        ...


@runtime_checkable
class Scorer(Protocol):
    """Evaluates a lead against the five criteria; raises ``ProviderError`` when it cannot."""

    async def evaluate(self, profile: LeadProfile) -> Evaluation: ...
    async def aclose(self) -> None: ...
