"""Scoring runs and the scoring dashboard.

A run pages through the contacts to score (never scored; with ``rescore``,
every contact a scorer scored — a score typed in by hand is never
overwritten) and evaluates each company **once per run**, applying the
result to all of its contacts being scored; a contact without a company is
evaluated from its own fields. Evaluations run concurrently within the
configured limit. One that fails leaves its contacts unscored and counts
them in ``errors``; it never aborts the run. Every applied evaluation is
kept in the score history, and scored contacts that can be mailed are
enrolled in the active sequence of their segment.

A run is a pipeline, so that the scorer — the slow part, an LLM answering in
seconds — is never kept waiting by the database, nor the database by it:

* the reader reads batch *n + 1* and starts its evaluations while batch *n*'s
  are still in flight; one limiter for the whole run bounds them, and serves
  them first come first served, so the leads read first finish first;
* one writer applies the contacts as their evaluations finish: each write is
  a transaction of the contacts whose evaluations are done (in the order read
  among themselves), so writing starts with the first evaluations, not after
  a whole batch's slowest, and goes on while the scorer does. Each contact
  is scored once per run, with one history record, so its history stays in
  order.

The reader runs at most ``READ_AHEAD`` batches ahead of the writer, and the
writer holds at most one batch more, so a run over a million contacts keeps a
few batches in memory, not all of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from attrs import define, frozen

from ..commands import ScoreHistoryQuery
from ..concurrency import DeferredFailure, task_group
from ..entities import (
    Company,
    Contact,
    EmailSequence,
    Enrollment,
    LifecycleStage,
    Page,
    ScoreSegment,
    SequenceStatus,
)
from ..errors import ProviderError
from ..ids import new_id
from ..ports import AppliedScore, UnitOfWork
from ..scoring import (
    Evaluation,
    LeadProfile,
    ScoreRecord,
    ScoreSummary,
    company_profile,
    contact_profile,
    evaluation_problems,
    segment_for_score,
)
from ..sequence_rules import schedule
from ..validation import structure
from .common import fetch, page_window
from .context import WorkspaceContext

TOP_PROSPECTS = 10
READ_AHEAD = 4
"""Batches read and waiting for the writer, at most: enough to keep the scorer busy while the
writer applies one (later batches meet few new companies), and a bound on memory."""
SMALLEST_WRITE = 100
"""Contacts a write waits to gather while more of them are still being evaluated (a
transaction has a cost of its own); the last write of a run may be smaller."""


@frozen(kw_only=True)
class ScoringResult:
    scored: int = 0
    errors: int = 0


@frozen(kw_only=True)
class Prospect:
    contact: Contact
    company: Company | None


@frozen(kw_only=True)
class Dashboard:
    summary: ScoreSummary
    top_prospects: Sequence[Prospect]


class _Failed:
    """Marks a lead whose evaluation failed in this run."""


_FAILED = _Failed()


@frozen
class _Evaluated:
    evaluation: Evaluation
    input_hash: str
    """The hash of the profile that was evaluated (kept in the score history)."""


class _Pending:
    """One lead's evaluation in this run: its outcome, once it has finished."""

    def __init__(self) -> None:
        self.finished = False
        self.outcome: _Evaluated | _Failed = _FAILED


class _Signal:
    """Wakes the writer: an evaluation finished, or the reader sent a batch (or ended)."""

    def __init__(self) -> None:
        self._event = anyio.Event()

    def clear(self) -> None:
        if self._event.is_set():
            self._event = anyio.Event()

    def notify(self) -> None:
        self._event.set()

    async def wait(self) -> None:
        await self._event.wait()


@frozen
class _Batch:
    """Contacts read together, in the order read, each with its lead key."""

    leads: Sequence[tuple[str, Contact]]


@define
class _Tally:
    scored: int = 0
    errors: int = 0


def lead_key(contact: Contact, companies: Mapping[str, Company]) -> str:
    """What is evaluated for a contact: its company, or itself when it has none."""
    if contact.company_id is not None and contact.company_id in companies:
        return f"company:{contact.company_id}"
    return f"contact:{contact.id}"


class ScoringService:
    def __init__(self, context: WorkspaceContext) -> None:
        self._context = context

    async def run(
        self, *, rescore: bool = False, progress: Callable[[int], None] | None = None
    ) -> ScoringResult:
        """Score the workspace's contacts; ``progress`` hears how many contacts each write
        covered (a terminal progress bar, say)."""
        settings = self._context.runtime.scoring
        limiter = anyio.CapacityLimiter(settings.concurrency)
        evaluations: dict[str, _Pending] = {}
        tally = _Tally()
        changed = _Signal()
        to_write, written = anyio.create_memory_object_stream[_Batch](READ_AHEAD)
        reading, writing = DeferredFailure(), DeferredFailure()
        async with task_group() as group:
            group.start_soon(
                self._write_when_evaluated,
                writing,
                written,
                evaluations,
                changed,
                tally,
                progress,
                max(min(SMALLEST_WRITE, settings.batch_size), 1),
                settings.batch_size,
            )
            async with to_write:
                with reading.kept():
                    await self._read_and_evaluate(
                        rescore, group, to_write, evaluations, limiter, changed
                    )
            changed.notify()  # the end of the reading
            if writing.error is not None:
                group.cancel_scope.cancel()  # nothing would write what is being evaluated
        # Raised once what was evaluated before a reading failure is written.
        reading.raise_if_any()
        writing.raise_if_any()
        async with self._context.writing() as uow:
            await self._context.audit(uow, "run", "scoring")
            await uow.commit()
        return ScoringResult(scored=tally.scored, errors=tally.errors)

    async def _read_and_evaluate(
        self,
        rescore: bool,
        group: TaskGroup,
        to_write: MemoryObjectSendStream[_Batch],
        evaluations: dict[str, _Pending],
        limiter: anyio.CapacityLimiter,
        changed: _Signal,
    ) -> None:
        """Read the contacts batch by batch, start the evaluations of their leads in
        ``group`` and hand each batch on to be written; stop at the end, or when the
        writer has failed."""
        settings = self._context.runtime.scoring
        after_id: str | None = None
        while True:
            batch = await self._read_batch(rescore, after_id, settings.batch_size)
            if batch is None:
                return
            contacts, companies = batch
            after_id = contacts[-1].id
            leads = [(lead_key(c, companies), c) for c in contacts]
            groups: dict[str, list[Contact]] = defaultdict(list)
            for key, contact in leads:
                groups[key].append(contact)
            # Over this run's evaluation budget, a lead waits for the next run.
            budget = max(settings.max_evaluations_per_run - len(evaluations), 0)
            for key in [key for key in groups if key not in evaluations][:budget]:
                evaluations[key] = _Pending()
                profile = _profile(groups[key], companies)
                group.start_soon(self._evaluate, profile, evaluations[key], limiter, changed)
            try:
                await to_write.send(_Batch(leads=leads))
            except anyio.BrokenResourceError:
                return  # the writer failed
            changed.notify()

    async def _read_batch(
        self, rescore: bool, after_id: str | None, limit: int
    ) -> tuple[Sequence[Contact], dict[str, Company]] | None:
        """The next contacts to score, with their companies; ``None`` at the end."""
        async with self._context.reading() as uow:
            contacts = await uow.contacts.scoring_candidates(
                rescore=rescore, after_id=after_id, limit=limit
            )
            if not contacts:
                return None
            company_ids = {c.company_id for c in contacts if c.company_id}
            companies = {c.id: c for c in await uow.companies.get_many(company_ids)}
        return contacts, companies

    async def _evaluate(
        self,
        profile: LeadProfile,
        into: _Pending,
        limiter: anyio.CapacityLimiter,
        changed: _Signal,
    ) -> None:
        scorer = self._context.runtime.scorer
        try:
            async with limiter:
                try:
                    evaluation = await scorer.evaluate(profile)
                except ProviderError:
                    return
            # A scorer's answer is checked, never trusted: a bad one counts as a failure.
            if not evaluation_problems(evaluation):
                into.outcome = _Evaluated(evaluation, profile.snapshot_hash())
        finally:
            into.finished = True
            changed.notify()

    async def _write_when_evaluated(
        self,
        failure: DeferredFailure,
        batches: MemoryObjectReceiveStream[_Batch],
        evaluations: Mapping[str, _Pending],
        changed: _Signal,
        tally: _Tally,
        progress: Callable[[int], None] | None,
        smallest: int,
        largest: int,
    ) -> None:
        """Apply each contact once its lead's evaluation is done (or was never started: over
        the run's budget), those ready in the order read, in writes of ``smallest`` to
        ``largest`` contacts (fewer when nothing more can come); hold at most
        ``READ_AHEAD + 1`` batches unwritten. A failure is kept in ``failure`` and closes
        the stream, which stops the reader at its next batch."""
        unwritten: list[tuple[str, Contact]] = []
        most_unwritten = (READ_AHEAD + 1) * largest
        reading = True

        def done(key: str) -> bool:
            pending = evaluations.get(key)
            return pending is None or pending.finished

        async with batches:
            with failure.kept():
                while True:
                    changed.clear()
                    while reading and len(unwritten) < most_unwritten:
                        try:
                            unwritten.extend(batches.receive_nowait().leads)
                        except anyio.WouldBlock:
                            break
                        except anyio.EndOfStream:
                            reading = False
                    if not unwritten and not reading:
                        break
                    ready = [lead for lead in unwritten if done(lead[0])][:largest]
                    nothing_more = not reading and len(ready) == len(unwritten)
                    full = len(unwritten) >= most_unwritten
                    if not ready or not (len(ready) >= smallest or nothing_more or full):
                        await changed.wait()  # an evaluation finished, or a batch was read
                        continue
                    written = {id(contact) for _, contact in ready}
                    unwritten = [lead for lead in unwritten if id(lead[1]) not in written]
                    groups: dict[str, list[Contact]] = defaultdict(list)
                    for key, contact in ready:
                        groups[key].append(contact)
                    outcomes = {
                        key: evaluations[key].outcome for key in groups if key in evaluations
                    }
                    scored, errors = await self._apply(groups, outcomes)
                    tally.scored += scored
                    tally.errors += errors
                    if progress is not None:
                        progress(len(ready))

    async def _apply(
        self,
        groups: Mapping[str, list[Contact]],
        evaluations: Mapping[str, _Evaluated | _Failed],
    ) -> tuple[int, int]:
        now = self._context.now()
        applied: list[AppliedScore] = []
        history: list[ScoreRecord] = []
        newly_scored: list[Contact] = []
        errors = 0
        for key, contacts in groups.items():
            outcome = evaluations.get(key)
            if outcome is None:  # over this run's evaluation budget: the next run does it
                continue
            if isinstance(outcome, _Failed):
                errors += len(contacts)
                continue
            for contact in contacts:
                applied.append(_applied(contact, outcome.evaluation, now))
                history.append(_record(contact, outcome.evaluation, outcome.input_hash, now))
                newly_scored.append(contact)
        async with self._context.writing() as uow:
            await uow.contacts.apply_scores(applied)
            await uow.scores.add_many(history)
            await self._auto_enroll(uow, newly_scored, applied, now)
            await uow.commit()
        return len(applied), errors

    async def _auto_enroll(
        self,
        uow: UnitOfWork,
        contacts: Sequence[Contact],
        scores: Sequence[AppliedScore],
        now: datetime,
    ) -> None:
        workspace = await uow.workspace.get()
        if workspace is None or not workspace.auto_enroll or not contacts:
            return
        sequences = await _active_sequences_by_segment(uow)
        today = await self._context.today(uow)
        enrollments = []
        for contact, score in zip(contacts, scores, strict=True):
            sequence = sequences.get(score.score_segment) if score.score_segment else None
            if sequence is None or not _mailable(contact):
                continue
            enrollment = Enrollment(
                id=new_id(now),
                sequence_id=sequence.id,
                contact_id=contact.id,
                enrolled_at=now,
                enrolled_on=today,
                next_due_on=None,
                updated_at=now,
            )
            enrollments.append(schedule(enrollment, sequence, now))
        await uow.enrollments.add_many_if_free(enrollments)

    async def dashboard(self) -> Dashboard:
        async with self._context.reading() as uow:
            summary = await uow.contacts.score_summary()
            top = await uow.contacts.top_scored(TOP_PROSPECTS)
            company_ids = {c.company_id for c in top if c.company_id}
            companies = {c.id: c for c in await uow.companies.get_many(company_ids)}
        return Dashboard(
            summary=summary,
            top_prospects=[
                Prospect(contact=c, company=companies.get(c.company_id or "")) for c in top
            ],
        )

    async def history(
        self, contact_id: str, data: Mapping[str, Any] | None = None, /, **filters: Any
    ) -> Page[ScoreRecord]:
        """Every evaluation applied to a contact, newest first."""
        limit, offset = page_window(structure({**(data or {}), **filters}, ScoreHistoryQuery))
        async with self._context.reading() as uow:
            await fetch(uow.contacts.get, "contact", contact_id)
            return await uow.scores.find(contact_id=contact_id, limit=limit, offset=offset)


def _profile(contacts: list[Contact], companies: Mapping[str, Company]) -> LeadProfile:
    first = contacts[0]
    if first.company_id is not None and first.company_id in companies:
        return company_profile(companies[first.company_id], contacts)
    return contact_profile(first)


def _applied(contact: Contact, evaluation: Evaluation, now: datetime) -> AppliedScore:
    return AppliedScore(
        contact_id=contact.id,
        lead_score=evaluation.score,
        score_segment=segment_for_score(evaluation.score),
        scored_at=now,
        score_breakdown=evaluation.breakdown(),
    )


def _record(
    contact: Contact, evaluation: Evaluation, profile_hash: str, now: datetime
) -> ScoreRecord:
    return ScoreRecord(
        id=new_id(now),
        contact_id=contact.id,
        company_id=contact.company_id,
        scorer=evaluation.scorer,
        model=evaluation.model,
        prompt_version=evaluation.prompt_version,
        input_hash=profile_hash,
        criteria=evaluation.criteria,
        score=evaluation.score,
        created_at=now,
    )


def _mailable(contact: Contact) -> bool:
    return (
        contact.email is not None
        and contact.unsubscribed_at is None
        and contact.lifecycle_stage is not LifecycleStage.CUSTOMER
    )


async def _active_sequences_by_segment(uow: UnitOfWork) -> dict[ScoreSegment, EmailSequence]:
    """The first active sequence of each segment (oldest first: the seed's by default)."""
    page = await uow.sequences.find(limit=100, offset=0)
    chosen: dict[ScoreSegment, EmailSequence] = {}
    for sequence in page.items:
        if sequence.status is SequenceStatus.ACTIVE and sequence.segment is not None:
            chosen.setdefault(sequence.segment, sequence)
    return chosen
