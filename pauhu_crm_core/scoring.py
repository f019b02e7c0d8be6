"""AI lead scoring: five criteria, 0-20 points each, a score of 1-100 and three segments.

A ``Scorer`` evaluates a ``LeadProfile`` — one company with the titles of its
contacts, or a contact without a company — and answers an ``Evaluation``
with points and a short rationale per criterion. Profile text is untrusted
(anyone can type a company description): scorers treat it as data only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from attrs import field, frozen

from .entities import Company, Contact, ScoreSegment


@frozen
class Criterion:
    key: str
    question: str


CRITERIA: tuple[Criterion, ...] = (
    Criterion("eu_regulatory_data", "Processes EU regulatory data (EUR-Lex, TED, IATE, CURIA)"),
    Criterion("github_presence", "Has GitHub presence (technically capable, open source friendly)"),
    Criterion(
        "sovereign_requirements",
        "Has sovereign/on-premise requirements (GDPR, NIS2, data residency)",
    ),
    Criterion("procurement_budget", "Has procurement budget for AI/search tools"),
    Criterion("multilingual_search", "Needs multilingual search (24 EU languages)"),
)
CRITERION_KEYS = tuple(criterion.key for criterion in CRITERIA)
MAX_POINTS = 20

SEGMENT_RANGES: dict[ScoreSegment, tuple[int, int]] = {
    ScoreSegment.HOT: (70, 100),
    ScoreSegment.WARM: (40, 69),
    ScoreSegment.COLD: (1, 39),
}


def segment_for_score(score: int) -> ScoreSegment | None:
    """The segment of a score; 0 (never scored) is in none."""
    for segment, (low, high) in SEGMENT_RANGES.items():
        if low <= score <= high:
            return segment
    return None


@frozen(kw_only=True)
class CriterionScore:
    key: str
    points: int
    rationale: str


@frozen(kw_only=True)
class Evaluation:
    scorer: str
    """Which scorer answered: ``rules``, ``openai``, …"""
    model: str | None = None
    prompt_version: str | None = None
    criteria: tuple[CriterionScore, ...]

    @property
    def score(self) -> int:
        """The sum of the points, at least 1 (so a scored contact is never 0)."""
        return max(1, sum(c.points for c in self.criteria))

    def breakdown(self) -> dict[str, Any]:
        """The ``score_breakdown`` a contact shows."""
        return {
            "scorer": self.scorer,
            "criteria": [
                {"key": c.key, "points": c.points, "rationale": c.rationale} for c in self.criteria
            ],
        }


def evaluation_problems(evaluation: Evaluation) -> list[str]:
    """Why an evaluation cannot be used (empty when it can): exactly the five criteria, in
    order, each with whole points from 0 to 20 and a rationale."""
    problems = []
    keys = tuple(c.key for c in evaluation.criteria)
    if keys != CRITERION_KEYS:
        problems.append(f"criteria must be exactly {', '.join(CRITERION_KEYS)}, in that order")
    for criterion in evaluation.criteria:
        if isinstance(criterion.points, bool) or not isinstance(criterion.points, int):
            problems.append(f"{criterion.key}: points must be a whole number")
        elif not 0 <= criterion.points <= MAX_POINTS:
            problems.append(f"{criterion.key}: points must be between 0 and {MAX_POINTS}")
        if not criterion.rationale.strip():
            problems.append(f"{criterion.key}: a rationale is required")
    return problems


@frozen(kw_only=True)
class LeadProfile:
    """What a scorer sees: a company and the titles of its contacts being scored."""

    name: str | None = None
    domain: str | None = None
    industry: str | None = None
    size: str | None = None
    country: str | None = None
    city: str | None = None
    website: str | None = None
    linkedin_url: str | None = None
    description: str | None = None
    icp_tier: str | None = None
    tags: tuple[str, ...] = ()
    custom_fields: Mapping[str, Any] = field(factory=dict)
    contact_titles: tuple[str, ...] = ()
    contact_email_domains: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "domain": self.domain,
            "industry": self.industry,
            "size": self.size,
            "country": self.country,
            "city": self.city,
            "website": self.website,
            "linkedin_url": self.linkedin_url,
            "description": self.description,
            "icp_tier": self.icp_tier,
            "tags": list(self.tags),
            "custom_fields": dict(self.custom_fields),
            "contact_titles": list(self.contact_titles),
            "contact_email_domains": list(self.contact_email_domains),
        }

    def snapshot_hash(self) -> str:
        """A SHA-256 of the profile: the score history says exactly what was evaluated."""
        canonical = json.dumps(self.as_dict(), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


def company_profile(company: Company, contacts: list[Contact]) -> LeadProfile:
    return LeadProfile(
        name=company.name,
        domain=company.domain,
        industry=company.industry,
        size=company.size,
        country=company.country,
        city=company.city,
        website=company.website,
        linkedin_url=company.linkedin_url,
        description=company.description,
        icp_tier=company.icp_tier.value if company.icp_tier else None,
        tags=company.tags,
        custom_fields=company.custom_fields,
        contact_titles=_titles(contacts),
        contact_email_domains=_email_domains(contacts),
    )


def contact_profile(contact: Contact) -> LeadProfile:
    """A contact without a company is evaluated from its own fields."""
    return LeadProfile(
        tags=contact.tags,
        custom_fields=contact.custom_fields,
        contact_titles=_titles([contact]),
        contact_email_domains=_email_domains([contact]),
    )


def _titles(contacts: list[Contact]) -> tuple[str, ...]:
    return tuple(sorted({c.title for c in contacts if c.title}))


def _email_domains(contacts: list[Contact]) -> tuple[str, ...]:
    return tuple(sorted({c.email.rpartition("@")[2] for c in contacts if c.email}))


@frozen(kw_only=True)
class ScoreRecord:
    """One evaluation applied to one contact: the score history."""

    id: str
    contact_id: str
    company_id: str | None
    scorer: str
    model: str | None
    prompt_version: str | None
    input_hash: str
    criteria: tuple[CriterionScore, ...]
    score: int
    created_at: datetime


@frozen(kw_only=True)
class ScoreSummary:
    """What the dashboard counts over all of a workspace's contacts."""

    segment_counts: Mapping[ScoreSegment, int]
    unscored: int
    average_score: float | None
