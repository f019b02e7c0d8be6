"""In-process scenarios: the library facade called directly, one call at a time.

Each is what a page of the admin UI (or another internal tool) asks the
library for, in the big workspace. Reads cycle through a fixed random
sample of records so that caches warm up as they would in use, not on a
single hot row.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pauhu_crm_core import CRM

from .names import RARE_LAST_NAME
from .stats import Result, latency_result, sequential

COMMON_TERM = "nen"
"""In most Finnish surnames (Nieminen, Virtanen …): matches roughly one contact in ten."""
RARE_TERM = RARE_LAST_NAME.split("-")[0].lower()
"""Planted in a handful of contacts."""
NON_ASCII_TERM = "äijä"
"""Finds Äijälä (and ÄIJÄLÄ): a folded, non-ASCII trigram search."""

Scenario = tuple[str, str, Callable[[int], Awaitable[Any]]]


def scenarios(
    crm: CRM, workspace_id: str, contact_ids: Sequence[str], company_ids: Sequence[str]
) -> list[Scenario]:
    ws = crm.workspace(workspace_id)

    def contact(i: int) -> str:
        return contact_ids[i % len(contact_ids)]

    def company(i: int) -> str:
        return company_ids[i % len(company_ids)]

    async def create_contact(i: int) -> None:
        await ws.contacts.create(
            email=f"bench.contact.{i + 1_000_000}@benchmark.example",
            first_name="Jyväskylän",
            last_name="Äijälä",
            company_id=company(i),
            lifecycle_stage="lead",
        )

    async def log_activity(i: int) -> None:
        await ws.activities.create(
            contact_id=contact(i), type="call", subject="Benchmark call", body="Talked."
        )

    return [
        ("list_contacts", "contacts list page (50, newest first) with exact total",
         lambda i: ws.contacts.list()),
        ("list_contacts_filtered", "contacts list filtered by stage=lead, with total",
         lambda i: ws.contacts.list(stage="lead")),
        ("search_common", f"contacts search q={COMMON_TERM!r} (about 1 in 10 match), with total",
         lambda i: ws.contacts.list(q=COMMON_TERM)),
        ("search_rare", f"contacts search q={RARE_TERM!r} (a handful match), with total",
         lambda i: ws.contacts.list(q=RARE_TERM)),
        ("search_non_ascii", f"contacts search q={NON_ASCII_TERM!r} (folded, non-ASCII)",
         lambda i: ws.contacts.list(q=NON_ASCII_TERM)),
        ("contact_detail", "a contact with its company, latest activities and deals",
         lambda i: ws.contacts.get_detail(contact(i))),
        ("company_detail", "a company with its latest contacts, deals and activities",
         lambda i: ws.companies.get_detail(company(i))),
        ("pipeline", "pipeline summary: deals per stage, totals, weighted (kept per stage)",
         lambda i: ws.deals.pipeline()),
        ("overdue_tasks", "open tasks due before today, first page with total",
         lambda i: ws.tasks.list(overdue=True)),
        ("dashboard", "scoring dashboard: contacts per segment (counters) and top prospects",
         lambda i: ws.dashboard()),
        ("create_contact", "create a contact (validation, reference check, insert, commit)",
         create_contact),
        ("log_activity", "log a call on a contact (insert, last_activity_at, commit)",
         log_activity),
    ]  # fmt: skip


async def run_library(
    crm: CRM,
    workspace_id: str,
    contact_ids: Sequence[str],
    company_ids: Sequence[str],
    iterations: int,
    max_seconds: float,
    progress: Callable[[str], None],
) -> list[Result]:
    results = []
    for name, description, call in scenarios(crm, workspace_id, contact_ids, company_ids):
        samples, wall = await sequential(call, iterations, max_seconds=max_seconds)
        result = latency_result(name, "library", description, samples, wall)
        progress(f"  {name}: p50 {result.p50_ms:.2f} ms, p95 {result.p95_ms:.2f} ms")
        results.append(result)
    return results
