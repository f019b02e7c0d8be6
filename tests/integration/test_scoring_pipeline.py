"""A scoring run is a pipeline: the next batch is read and evaluated while the earlier ones
are still being evaluated or written, under one limit for the whole run.

Nothing here times anything: the scorer below holds every evaluation until a given
number of them are in flight at once, which only a pipelined run ever reaches (the
batches are smaller than that number). ``fail_after`` only turns a run that would wait
forever into a failure.
"""

from __future__ import annotations

import anyio
import pytest

from pauhu_crm_core import CRM, CrmWorkspace
from pauhu_crm_core.ports import Store
from pauhu_crm_core.scoring import Evaluation, LeadProfile
from pauhu_crm_core.services.context import ScoringSettings
from pauhu_crm_core.services.scoring import ScoringService
from pauhu_crm_core.testing import FixedScorer, FrozenClock

pytestmark = pytest.mark.anyio

DEADLOCK_GUARD_SECONDS = 30


class GatedScorer(FixedScorer):
    """Holds every evaluation until ``open_at`` of them have started; then lets all through.
    Records, when the gate opens, how many batches the run had written by then."""

    def __init__(self, open_at: int, written: list[int]) -> None:
        super().__init__()
        self.open_at = open_at
        self.gate = anyio.Event()
        self.started = 0
        self.waiting = 0
        self.most_waiting = 0
        self._written = written
        self.written_when_open: int | None = None

    async def evaluate(self, profile: LeadProfile) -> Evaluation:
        self.started += 1
        self.waiting += 1
        self.most_waiting = max(self.most_waiting, self.waiting)
        if self.started == self.open_at:
            self.written_when_open = len(self._written)
            self.gate.set()
        try:
            await self.gate.wait()
        finally:
            self.waiting -= 1
        return await super().evaluate(profile)


def scoring_workspace(
    store: Store, clock: FrozenClock, workspace_id: str, scorer: FixedScorer, **settings: int
) -> CrmWorkspace:
    crm = CRM(store=store, clock=clock, scorer=scorer, scoring=ScoringSettings(**settings))
    return crm.workspace(workspace_id)


async def companies_with_contacts(ws: CrmWorkspace, companies: int, each: int = 1) -> None:
    for n in range(companies):
        company = await ws.companies.create(name=f"Company {n}")
        for m in range(each):
            await ws.contacts.create(email=f"c{n}-{m}@example.eu", company_id=company.id)


async def test_the_next_batch_is_evaluated_before_the_first_is_written(
    store: Store, clock: FrozenClock, workspace_id: str
) -> None:
    written: list[int] = []
    # Batches of 2 contacts at 2 companies; the gate opens only once 4 evaluations are in
    # flight together, i.e. once batch 2's have started while batch 1's are unfinished.
    scorer = GatedScorer(open_at=4, written=written)
    ws = scoring_workspace(store, clock, workspace_id, scorer, batch_size=2, concurrency=4)
    await companies_with_contacts(ws, 4)

    with anyio.fail_after(DEADLOCK_GUARD_SECONDS):
        result = await ws.score(progress=written.append)

    assert scorer.written_when_open == 0  # batch 1 not yet written
    assert (result.scored, result.errors) == (4, 0)
    assert sum(written) == 4  # then each contact written once
    assert len(scorer.calls) == 4


async def test_one_limit_bounds_the_evaluations_of_every_batch_together(
    store: Store, clock: FrozenClock, workspace_id: str
) -> None:
    # Batches of 2; a limit of 3 can be reached only across batches, and is never passed
    # although four batches are read ahead while the first three evaluations wait.
    scorer = GatedScorer(open_at=3, written=[])
    ws = scoring_workspace(store, clock, workspace_id, scorer, batch_size=2, concurrency=3)
    await companies_with_contacts(ws, 10)

    with anyio.fail_after(DEADLOCK_GUARD_SECONDS):
        result = await ws.score()

    assert result.scored == 10
    assert scorer.most_waiting == 3
    assert scorer.max_in_flight <= 3
    assert len(scorer.calls) == 10


class SlowCompanyScorer(FixedScorer):
    """Holds one company's evaluation until the run has written something."""

    def __init__(self, slow: str) -> None:
        super().__init__()
        self.slow = slow
        self.written: list[int] = []
        self.wrote = anyio.Event()

    def progress(self, contacts: int) -> None:
        self.written.append(contacts)
        self.wrote.set()

    async def evaluate(self, profile: LeadProfile) -> Evaluation:
        if profile.name == self.slow:
            await self.wrote.wait()
        return await super().evaluate(profile)


async def test_contacts_are_written_as_their_evaluations_finish_not_behind_a_slow_one(
    store: Store, clock: FrozenClock, workspace_id: str
) -> None:
    scorer = SlowCompanyScorer("Company 0")
    ws = scoring_workspace(store, clock, workspace_id, scorer, batch_size=1)
    await companies_with_contacts(ws, 3)

    with anyio.fail_after(DEADLOCK_GUARD_SECONDS):
        result = await ws.score(progress=scorer.progress)

    # Company 0's contact waited for a write, whichever batch it was read in.
    assert (result.scored, sum(scorer.written)) == (3, 3)


async def test_a_company_met_again_in_a_later_batch_is_not_evaluated_again(
    store: Store, clock: FrozenClock, workspace_id: str
) -> None:
    scorer = FixedScorer()
    ws = scoring_workspace(store, clock, workspace_id, scorer, batch_size=2)
    # Six contacts of two companies: whatever the id order, some batch meets a company an
    # earlier batch already sent to the scorer.
    await companies_with_contacts(ws, 2, each=3)

    result = await ws.score()

    assert (result.scored, result.errors) == (6, 0)
    assert sorted(p.name or "" for p in scorer.calls) == ["Company 0", "Company 1"]


async def test_the_evaluation_cap_holds_across_overlapping_batches(
    store: Store, clock: FrozenClock, workspace_id: str
) -> None:
    scorer = FixedScorer()
    ws = scoring_workspace(
        store, clock, workspace_id, scorer, batch_size=2, max_evaluations_per_run=3
    )
    await companies_with_contacts(ws, 5, each=2)

    first = await ws.score()
    second = await ws.score()

    assert len(scorer.calls) == 5
    assert (first.scored, second.scored) == (6, 4)
    assert (await ws.score()).scored == 0


async def test_a_failed_evaluation_in_one_batch_leaves_the_others_scored(
    store: Store, clock: FrozenClock, workspace_id: str
) -> None:
    scorer = FixedScorer(fail_for={"Company 1"})
    ws = scoring_workspace(store, clock, workspace_id, scorer, batch_size=2, concurrency=2)
    await companies_with_contacts(ws, 4, each=2)

    result = await ws.score()

    assert (result.scored, result.errors) == (6, 2)


async def test_a_write_that_fails_ends_the_run_with_its_own_error(
    store: Store, clock: FrozenClock, workspace_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def fail_to_write(*_: object) -> tuple[int, int]:
        raise RuntimeError("the disk is full")

    # Many small batches: the reader is still handing batches on when the writer fails.
    ws = scoring_workspace(store, clock, workspace_id, FixedScorer(), batch_size=1)
    await companies_with_contacts(ws, 6)
    monkeypatch.setattr(ScoringService, "_apply", fail_to_write)

    with anyio.fail_after(DEADLOCK_GUARD_SECONDS), pytest.raises(RuntimeError, match="disk"):
        await ws.score()
