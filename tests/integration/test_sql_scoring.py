"""The SQL store's lead-scoring reads and writes, on SQLite and PostgreSQL: a run's
candidates, applied scores, the dashboard's summary and top prospects, the score
history, companies by id and enrolling only the contacts that are free.

The migration to the scoring schema and the query plans are in ``test_sql_migrations.py``.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import anyio
import anyio.lowlevel
import attrs
import pytest
from sqlalchemy import event

from pauhu_crm_adapters.sql import SqlStore
from pauhu_crm_core.entities import (
    Company,
    Contact,
    EmailSequence,
    Enrollment,
    EnrollmentStatus,
    ScoreSegment,
    Workspace,
)
from pauhu_crm_core.errors import Conflict, ValidationFailed
from pauhu_crm_core.ports import (
    AppliedScore,
    CompanyRepository,
    ContactRepository,
    EnrollmentRepository,
    ScoreRepository,
    UnitOfWork,
)
from pauhu_crm_core.scoring import CriterionScore, ScoreRecord, ScoreSummary, segment_for_score

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
TODAY = date(2026, 3, 7)
MANUAL = {"scorer": "manual", "criteria": []}
_serial = itertools.count()


def new_id(prefix: str) -> str:
    # Time-ordered like the UUIDv7 ids the core makes, so "by id" is "by creation".
    return f"{prefix}-{next(_serial):06d}-{uuid.uuid4().hex[:8]}"


def contact(**fields: Any) -> Contact:
    values: dict[str, Any] = {"created_at": T0, "updated_at": T0}
    return Contact(id=fields.pop("id", None) or new_id("cont"), **(values | fields))


def scored(score: int, *, scorer: str = "rules", at: datetime = T0, **fields: Any) -> Contact:
    """A contact as a scoring run (or, with ``scorer="manual"``, a person) left it."""
    return contact(
        lead_score=score,
        score_segment=segment_for_score(score),
        scored_at=at,
        score_breakdown={"scorer": scorer, "criteria": []},
        **fields,
    )


def company(**fields: Any) -> Company:
    return Company(id=new_id("comp"), created_at=T0, updated_at=T0, **fields)


CRITERIA = (
    CriterionScore(key="eu_regulatory_data", points=18, rationale="Tracks EUR-Lex ✓"),
    CriterionScore(key="github_presence", points=12, rationale="Public repositories"),
    CriterionScore(key="sovereign_requirements", points=20, rationale="NIS2 scope"),
    CriterionScore(key="procurement_budget", points=5, rationale="Unclear"),
    CriterionScore(key="multilingual_search", points=15, rationale="Operates in 6 languages"),
)


def record(contact_id: str, *, at: datetime = T0, **fields: Any) -> ScoreRecord:
    values: dict[str, Any] = {
        "company_id": None,
        "scorer": "openai",
        "model": "gpt-4o-mini",
        "prompt_version": "2026-03-v1",
        "input_hash": "ab" * 32,
        "criteria": CRITERIA,
        "score": 70,
        "created_at": at,
    }
    return ScoreRecord(id=new_id("score"), contact_id=contact_id, **(values | fields))


def sequence() -> EmailSequence:
    return EmailSequence(id=new_id("seq"), name="Hot", steps=(), created_at=T0, updated_at=T0)


def enrollment(sequence_id: str, contact_id: str, **fields: Any) -> Enrollment:
    values: dict[str, Any] = {
        "enrolled_at": T0,
        "enrolled_on": TODAY,
        "next_due_on": TODAY,
        "updated_at": T0,
    }
    return Enrollment(
        id=fields.pop("id", None) or new_id("enr"),
        sequence_id=sequence_id,
        contact_id=contact_id,
        **(values | fields),
    )


async def open_workspace(store: SqlStore, workspace_id: str) -> None:
    async with store.unit_of_work(workspace_id) as uow:
        await uow.workspace.ensure(
            Workspace(id=workspace_id, name="Test", created_at=T0, updated_at=T0)
        )
        await uow.commit()


async def add_all(store: SqlStore, workspace_id: str, *records: Any) -> None:
    async with store.unit_of_work(workspace_id) as uow:
        for item in records:
            repository: Any = {
                Company: uow.companies,
                Contact: uow.contacts,
                EmailSequence: uow.sequences,
                Enrollment: uow.enrollments,
            }[type(item)]
            await repository.add(item)
        await uow.commit()


async def candidate_ids(
    store: SqlStore,
    workspace_id: str,
    *,
    rescore: bool = False,
    after_id: str | None = None,
    limit: int = 100,
) -> list[str]:
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        found = await uow.contacts.scoring_candidates(
            rescore=rescore, after_id=after_id, limit=limit
        )
    return [c.id for c in found]


@contextmanager
def statements_run(store: SqlStore) -> Iterator[list[tuple[str, bool]]]:
    """Every statement sent to the database meanwhile, with whether it was an executemany."""
    seen: list[tuple[str, bool]] = []

    def capture(
        _conn: Any, _cursor: Any, statement: str, _params: Any, _ctx: Any, many: bool
    ) -> None:
        seen.append((statement, many))

    event.listen(store.engine.sync_engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", capture)


# -- conformance --------------------------------------------------------------------------------


async def test_the_unit_of_work_and_its_repositories_satisfy_the_scoring_ports(
    store: SqlStore, workspace_id: str
) -> None:
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert isinstance(uow, UnitOfWork)
        assert isinstance(uow.scores, ScoreRepository)
        assert isinstance(uow.contacts, ContactRepository)
        assert isinstance(uow.companies, CompanyRepository)
        assert isinstance(uow.enrollments, EnrollmentRepository)


# -- scoring candidates -------------------------------------------------------------------------


async def test_candidates_are_the_unscored_contacts_and_with_rescore_all_but_hand_set_ones(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    never = contact()
    by_rules = scored(55)
    by_llm = scored(82, scorer="openai")
    by_hand = scored(90, scorer="manual")
    by_hand_zero = scored(0, scorer="manual")  # a hand-set 0 is still a hand-set score
    # Scored, but nobody recorded by what: not known to be by hand, so rescored.
    no_breakdown = contact(lead_score=30, scored_at=T0, score_segment=ScoreSegment.COLD)
    people = [never, by_rules, by_llm, by_hand, by_hand_zero, no_breakdown]
    await add_all(store, workspace_id, *people)

    assert await candidate_ids(store, workspace_id) == [never.id]
    assert await candidate_ids(store, workspace_id, rescore=True) == sorted(
        [never.id, by_rules.id, by_llm.id, no_breakdown.id]
    )
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        [found] = await uow.contacts.scoring_candidates(rescore=False, after_id=None, limit=10)
    assert found == never


async def test_candidates_page_by_id_after_the_last_one_seen(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    people = [contact() if n % 3 else scored(50) for n in range(11)]
    await add_all(store, workspace_id, *people)
    for rescore, expected in (
        (False, sorted(p.id for p in people if p.scored_at is None)),
        (True, sorted(p.id for p in people)),
    ):
        seen: list[str] = []
        after: str | None = None
        while page := await candidate_ids(
            store, workspace_id, rescore=rescore, after_id=after, limit=3
        ):
            assert len(page) <= 3
            seen.extend(page)
            after = page[-1]
        assert seen == expected


async def test_candidates_never_include_another_workspaces_contacts(
    store: SqlStore, workspace_id: str
) -> None:
    other = f"{workspace_id}-other"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other)
    mine = contact(id="c-shared")
    await add_all(store, workspace_id, mine)
    await add_all(store, other, contact(id="c-shared"), contact(), scored(40))
    assert await candidate_ids(store, workspace_id) == [mine.id]
    assert await candidate_ids(store, workspace_id, rescore=True) == [mine.id]


# -- applying scores ----------------------------------------------------------------------------


async def test_apply_scores_writes_a_whole_batch_in_one_statement(
    store: SqlStore, workspace_id: str
) -> None:
    other = f"{workspace_id}-other"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other)
    people = [contact(id=f"c-{n:03d}") for n in range(120)]
    await add_all(store, workspace_id, *people)
    theirs = contact(id="c-000")  # the same id in another workspace is another contact
    await add_all(store, other, theirs)
    later = T0 + timedelta(hours=3)
    applied = [
        AppliedScore(
            contact_id=p.id,
            lead_score=1 + n % 100,
            score_segment=segment_for_score(1 + n % 100),
            scored_at=later,
            score_breakdown={
                "scorer": "openai",
                "criteria": [{"key": "github_presence", "points": n % 20, "rationale": "Ok ✓"}],
            },
        )
        for n, p in enumerate(people)
    ]
    async with store.unit_of_work(workspace_id) as uow:
        with statements_run(store) as seen:
            await uow.contacts.apply_scores(applied)
            await uow.contacts.apply_scores([])
        await uow.commit()
    assert [many for statement, many in seen if statement.lstrip().startswith("UPDATE")] == [True]

    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        stored = {p.id: await uow.contacts.get(p.id) for p in people}
    for score in applied:
        assert stored[score.contact_id] == attrs.evolve(
            next(p for p in people if p.id == score.contact_id),
            lead_score=score.lead_score,
            score_segment=score.score_segment,
            scored_at=later,
            score_breakdown=score.score_breakdown,
            updated_at=later,
        )
    async with store.unit_of_work(other, read_only=True) as uow:
        assert await uow.contacts.get("c-000") == theirs
    # Scored by a scorer: rescore-only candidates now.
    assert await candidate_ids(store, workspace_id) == []
    assert len(await candidate_ids(store, workspace_id, rescore=True, limit=500)) == 120


async def test_apply_scores_can_clear_a_segment_and_ignores_unknown_contacts(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    person = scored(75)
    await add_all(store, workspace_id, person)
    later = T0 + timedelta(days=1)
    async with store.unit_of_work(workspace_id) as uow:
        await uow.contacts.apply_scores(
            [
                AppliedScore(
                    contact_id=person.id,
                    lead_score=0,
                    score_segment=None,
                    scored_at=later,
                    score_breakdown={"scorer": "rules", "criteria": []},
                ),
                AppliedScore(
                    contact_id="c-missing",
                    lead_score=50,
                    score_segment=ScoreSegment.WARM,
                    scored_at=later,
                    score_breakdown={"scorer": "rules", "criteria": []},
                ),
            ]
        )
        await uow.commit()
        stored = await uow.contacts.get(person.id)
        assert await uow.contacts.get("c-missing") is None
    assert stored is not None
    assert (stored.lead_score, stored.score_segment, stored.scored_at) == (0, None, later)


# -- the dashboard ------------------------------------------------------------------------------


async def test_the_summary_of_an_empty_workspace_is_zeros_and_no_average(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        summary = await uow.contacts.score_summary()
    assert summary == ScoreSummary(
        segment_counts={ScoreSegment.HOT: 0, ScoreSegment.WARM: 0, ScoreSegment.COLD: 0},
        unscored=0,
        average_score=None,
    )
    await add_all(store, workspace_id, contact(), contact())
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        summary = await uow.contacts.score_summary()
    assert summary.segment_counts == dict.fromkeys(ScoreSegment, 0)
    assert (summary.unscored, summary.average_score) == (2, None)


async def test_the_summary_counts_segments_unscored_and_averages_the_scored_in_one_query(
    store: SqlStore, workspace_id: str
) -> None:
    other = f"{workspace_id}-other"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other)
    await add_all(
        store,
        workspace_id,
        scored(85),
        scored(70, scorer="manual"),
        scored(52),
        scored(21),
        scored(0, scorer="manual"),  # scored (by hand), in no segment
        contact(),
        contact(),
        contact(),
    )
    await add_all(store, other, scored(99), scored(45), contact())
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        with statements_run(store) as seen:
            summary = await uow.contacts.score_summary()
    assert len([s for s, _ in seen if s.lstrip().startswith("SELECT")]) == 1
    assert summary == ScoreSummary(
        segment_counts={ScoreSegment.HOT: 2, ScoreSegment.WARM: 1, ScoreSegment.COLD: 1},
        unscored=3,
        average_score=round((85 + 70 + 52 + 21 + 0) / 5, 1),  # 45.6
    )
    assert isinstance(summary.average_score, float)


async def test_top_scored_lists_scored_contacts_highest_first_and_newest_first_on_ties(
    store: SqlStore, workspace_id: str
) -> None:
    other = f"{workspace_id}-other"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other)
    old_hot = scored(80, created_at=T0, updated_at=T0)
    new_hot = scored(80, created_at=T0 + timedelta(days=2), updated_at=T0)
    hottest = scored(95, scorer="manual")
    warm = scored(50)
    cold = scored(3)
    never = contact(lead_score=99)  # a score nobody set: not scored, not listed
    await add_all(store, workspace_id, warm, old_hot, never, hottest, cold, new_hot)
    await add_all(store, other, scored(100), scored(90))
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        top = await uow.contacts.top_scored(10)
        top_three = await uow.contacts.top_scored(3)
    assert [c.id for c in top] == [hottest.id, new_hot.id, old_hot.id, warm.id, cold.id]
    assert top[0] == hottest
    assert [c.id for c in top_three] == [hottest.id, new_hot.id, old_hot.id]


# -- the score history --------------------------------------------------------------------------


async def test_score_records_round_trip_and_list_newest_first_per_contact(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    firm = company()
    person, someone_else = contact(company_id=firm.id), contact()
    await add_all(store, workspace_id, firm, person, someone_else)
    first = record(person.id, company_id=firm.id, at=T0)
    second = record(
        person.id,
        at=T0 + timedelta(days=1),
        scorer="rules",
        model=None,
        prompt_version=None,
        score=1,
        criteria=(),
    )
    third = record(person.id, at=T0 + timedelta(days=2), score=88)
    theirs = record(someone_else.id)
    async with store.unit_of_work(workspace_id) as uow:
        await uow.scores.add_many([first, second, theirs, third])
        await uow.scores.add_many([])
        await uow.commit()
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        page = await uow.scores.find(contact_id=person.id, limit=10, offset=0)
        tail = await uow.scores.find(contact_id=person.id, limit=2, offset=1)
        nobody = await uow.scores.find(contact_id="c-missing", limit=10, offset=0)
    assert list(page.items) == [third, second, first]
    assert (page.total, page.limit, page.offset) == (3, 10, 0)
    assert (list(tail.items), tail.total) == ([second, first], 3)
    assert (list(nobody.items), nobody.total) == ([], 0)


async def test_a_score_record_must_name_a_contact_of_its_workspace_and_a_free_id(
    store: SqlStore, workspace_id: str
) -> None:
    other = f"{workspace_id}-other"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other)
    theirs = contact()
    await add_all(store, other, theirs)
    with pytest.raises(ValidationFailed) as caught:
        async with store.unit_of_work(workspace_id) as uow:
            await uow.scores.add_many([record(theirs.id)])
    # PostgreSQL names the broken foreign key; SQLite only says that one was.
    expected = "contact_id" if store.engine.dialect.name == "postgresql" else "reference"
    assert caught.value.details[0]["field"] == expected
    mine = contact()
    await add_all(store, workspace_id, mine)
    kept = record(mine.id)
    async with store.unit_of_work(workspace_id) as uow:
        await uow.scores.add_many([kept])
        await uow.commit()
    with pytest.raises(Conflict) as conflict:
        async with store.unit_of_work(workspace_id) as uow:
            await uow.scores.add_many([attrs.evolve(record(mine.id), id=kept.id)])
    assert conflict.value.field == "id"


async def test_another_workspace_sees_none_of_the_score_history(
    store: SqlStore, workspace_id: str
) -> None:
    other = f"{workspace_id}-other"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other)
    await add_all(store, workspace_id, contact(id="c-shared"))
    await add_all(store, other, contact(id="c-shared"))
    mine = record("c-shared")
    async with store.unit_of_work(workspace_id) as uow:
        await uow.scores.add_many([mine])
        await uow.commit()
    async with store.unit_of_work(other, read_only=True) as uow:
        page = await uow.scores.find(contact_id="c-shared", limit=10, offset=0)
        assert (list(page.items), page.total) == ([], 0)
        assert await uow.scores.get(mine.id) is None


async def test_deleting_a_contact_deletes_its_history_but_deleting_its_company_does_not(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    firm = company()
    gone, kept = contact(company_id=firm.id), contact(company_id=firm.id)
    await add_all(store, workspace_id, firm, gone, kept)
    erased = [record(gone.id, company_id=firm.id), record(gone.id, company_id=firm.id)]
    staying = record(kept.id, company_id=firm.id)
    async with store.unit_of_work(workspace_id) as uow:
        await uow.scores.add_many([*erased, staying])
        await uow.commit()
    async with store.unit_of_work(workspace_id) as uow:
        assert await uow.contacts.delete(gone.id)  # the history does not stand in the way
        # As the core deletes a company: references first, then the company.
        await uow.contacts.clear_reference("company_id", firm.id)
        assert await uow.companies.delete(firm.id)
        await uow.commit()
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        assert (await uow.scores.find(contact_id=gone.id, limit=10, offset=0)).total == 0
        assert [await uow.scores.get(r.id) for r in erased] == [None, None]
        page = await uow.scores.find(contact_id=kept.id, limit=10, offset=0)
    assert list(page.items) == [staying]  # still naming the deleted company


# -- companies by id ----------------------------------------------------------------------------


async def test_get_many_answers_the_known_companies_of_the_workspace_only(
    store: SqlStore, workspace_id: str
) -> None:
    other = f"{workspace_id}-other"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other)
    firms = [company(name=f"Firm {n}") for n in range(3)]
    await add_all(store, workspace_id, *firms)
    theirs = company()
    await add_all(store, other, theirs, attrs.evolve(firms[0], name="Their namesake"))
    # More ids than one IN list holds: unknown ones, duplicates, another workspace's.
    ids = [f"missing-{n}" for n in range(1200)] + [f.id for f in firms] + [firms[1].id, theirs.id]
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        found = await uow.companies.get_many(ids)
        none = await uow.companies.get_many([])
        with statements_run(store) as seen:
            one = await uow.companies.get_many([firms[2].id, "missing"])
    assert sorted(found, key=lambda f: f.id) == sorted(firms, key=lambda f: f.id)
    assert list(none) == []
    assert list(one) == [firms[2]]
    assert len([s for s, _ in seen if s.lstrip().startswith("SELECT")]) == 1


# -- enrolling the free contacts ----------------------------------------------------------------


async def test_add_many_if_free_skips_contacts_that_are_already_actively_enrolled(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    chosen, elsewhere = sequence(), sequence()
    busy, finished, free, twice = contact(), contact(), contact(), contact()
    await add_all(store, workspace_id, chosen, elsewhere, busy, finished, free, twice)
    await add_all(
        store,
        workspace_id,
        enrollment(elsewhere.id, busy.id),
        enrollment(elsewhere.id, finished.id, status=EnrollmentStatus.COMPLETED, next_due_on=None),
    )
    first_of_two = enrollment(chosen.id, twice.id, id=f"enr-zz-{uuid.uuid4().hex[:8]}")
    wanted = [
        enrollment(chosen.id, busy.id),
        enrollment(chosen.id, free.id),
        first_of_two,
        enrollment(chosen.id, finished.id),  # an ended enrolment does not count
        enrollment(chosen.id, twice.id),  # the batch's own first one does (whatever the ids)
    ]
    async with store.unit_of_work(workspace_id) as uow:
        inserted = await uow.enrollments.add_many_if_free(wanted)
        assert await uow.enrollments.add_many_if_free([]) == []
        await uow.commit()
    assert list(inserted) == [wanted[1], first_of_two, wanted[3]]
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        for enrolled in inserted:
            assert await uow.enrollments.get(enrolled.id) == enrolled
        for skipped in (wanted[0], wanted[4]):
            assert await uow.enrollments.get(skipped.id) is None
        active = await uow.enrollments.find(status=EnrollmentStatus.ACTIVE, limit=100, offset=0)
    assert sorted(e.contact_id for e in active.items) == sorted(
        [busy.id, free.id, twice.id, finished.id]
    )


async def test_add_many_if_free_looks_only_at_its_own_workspace(
    store: SqlStore, workspace_id: str
) -> None:
    other = f"{workspace_id}-other"
    await open_workspace(store, workspace_id)
    await open_workspace(store, other)
    mine, theirs = sequence(), sequence()
    await add_all(store, workspace_id, mine, contact(id="c-shared"))
    await add_all(store, other, theirs, contact(id="c-shared"))
    their_enrollment = enrollment(theirs.id, "c-shared")
    await add_all(store, other, their_enrollment)  # busy there, free here
    wanted = enrollment(mine.id, "c-shared")
    async with store.unit_of_work(workspace_id) as uow:
        assert list(await uow.enrollments.add_many_if_free([wanted])) == [wanted]
        await uow.commit()
    async with store.unit_of_work(other, read_only=True) as uow:
        page = await uow.enrollments.find(limit=10, offset=0)
    assert list(page.items) == [their_enrollment]
    # And another workspace's contact cannot be enrolled from here.
    with pytest.raises(ValidationFailed):
        async with store.unit_of_work(other) as uow:
            await uow.enrollments.add_many_if_free(
                [enrollment(theirs.id, contact(id="c-only-mine").id)]
            )


async def test_add_many_if_free_still_refuses_a_used_enrollment_id(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    chosen = sequence()
    person, another = contact(), contact()
    await add_all(store, workspace_id, chosen, person, another)
    existing = enrollment(chosen.id, person.id, status=EnrollmentStatus.STOPPED, next_due_on=None)
    await add_all(store, workspace_id, existing)
    with pytest.raises(Conflict) as caught:
        async with store.unit_of_work(workspace_id) as uow:
            await uow.enrollments.add_many_if_free(
                [attrs.evolve(enrollment(chosen.id, another.id), id=existing.id)]
            )
    assert caught.value.field == "id"


async def test_racing_add_many_if_free_calls_enroll_a_contact_exactly_once(
    store: SqlStore, workspace_id: str
) -> None:
    await open_workspace(store, workspace_id)
    hot, warm = sequence(), sequence()
    person = contact()
    others = [contact() for _ in range(6)]
    await add_all(store, workspace_id, hot, warm, person, *others)
    answers: list[list[Enrollment]] = []

    async def enroll(n: int) -> None:
        # Each run also enrols a contact of its own, so every batch inserts something.
        batch = [
            enrollment((hot if n % 2 else warm).id, person.id),
            enrollment(hot.id, others[n].id),
        ]
        async with store.unit_of_work(workspace_id) as uow:
            inserted = await uow.enrollments.add_many_if_free(batch)
            await anyio.lowlevel.checkpoint()  # let the others run before committing
            await uow.commit()
        answers.append(list(inserted))

    async with anyio.create_task_group() as group:
        for n in range(6):
            group.start_soon(enroll, n)
    won = [e for answer in answers for e in answer if e.contact_id == person.id]
    assert len(won) == 1
    assert sorted(e.contact_id for a in answers for e in a if e.contact_id != person.id) == sorted(
        o.id for o in others
    )
    async with store.unit_of_work(workspace_id, read_only=True) as uow:
        page = await uow.enrollments.find(contact_id=person.id, limit=10, offset=0)
    assert list(page.items) == won
