"""How much data a run generates, and how hard each scenario is pushed."""

from __future__ import annotations

from typing import Any

from attrs import frozen


@frozen(kw_only=True)
class Volume:
    """The records of one workspace."""

    contacts: int
    companies: int
    deals: int
    activities: int
    tasks: int
    enrollments: int
    """Active enrolments due in the future (the engine's read skips them)."""

    @classmethod
    def per_contact(cls, contacts: int) -> Volume:
        """The issue's proportions: per 1M contacts, 100k companies, 300k deals, 2M
        activities; plus 200k tasks and 50k future enrolments."""
        return cls(
            contacts=contacts,
            companies=max(contacts // 10, 1),
            deals=contacts * 3 // 10,
            activities=contacts * 2,
            tasks=contacts // 5,
            enrollments=contacts // 20,
        )


@frozen(kw_only=True)
class Scale:
    name: str
    big: Volume
    """The one big workspace every scenario reads."""
    small: Volume
    small_workspaces: int
    """Small workspaces beside it: their rows share the tables and indexes."""
    due_enrollments: int
    """Enrolments due today in the big workspace: what one engine run sends."""
    scoring_contacts: int = 10_000
    scoring_companies: int = 1_000
    library_iterations: int = 200
    """Calls per in-process scenario (after a few warm-up calls)…"""
    library_seconds: float = 15.0
    """…unless they take longer than this (then at least ``stats.MIN_SAMPLES``)."""
    http_requests: int = 1_000
    """Requests per endpoint, and as many to its bare twin…"""
    http_seconds: float = 30.0
    """…unless the endpoint's take longer than this."""
    http_concurrency: int = 10

    @classmethod
    def of(cls, name: str, contacts: int, small_workspaces: int, due: int, **more: Any) -> Scale:
        return cls(
            name=name,
            big=Volume.per_contact(contacts),
            small=Volume.per_contact(max(200, contacts // 1000)),
            small_workspaces=small_workspaces,
            due_enrollments=due,
            **more,
        )

    @property
    def total_contacts(self) -> int:
        return self.big.contacts + self.small.contacts * self.small_workspaces


QUICK = Scale.of(
    "quick",
    20_000,
    small_workspaces=5,
    due=2_000,
    library_iterations=100,
    library_seconds=5.0,
    http_requests=200,
)
"""Small enough for both backends in under five minutes on two cores."""
FULL = Scale.of("full", 1_000_000, small_workspaces=50, due=100_000)


def custom(contacts: int) -> Scale:
    """An intermediate size: the full run's proportions at ``contacts`` contacts."""
    due = min(100_000, max(1_000, contacts // 10))
    return Scale.of(f"{contacts // 1000}k", contacts, small_workspaces=50, due=due)
