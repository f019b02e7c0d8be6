"""Scoring runs, the score history, auto-enrolment and the dashboard (API.md §8)."""

from __future__ import annotations

import pytest

from pauhu_crm_core import CRM, CrmWorkspace, NotFound, ScoreSegment
from pauhu_crm_core.entities import EnrollmentStatus
from pauhu_crm_core.ports import Store
from pauhu_crm_core.services.context import ScoringSettings
from pauhu_crm_core.testing import FixedScorer, FrozenClock, RecordingMailer

pytestmark = pytest.mark.anyio

HOT, WARM, COLD = 16, 10, 4  # points per criterion: totals 80, 50 and 20


@pytest.fixture
def scorer() -> FixedScorer:
    return FixedScorer({"DVV": HOT, "Kela": WARM, "Bakery": COLD, None: COLD})


@pytest.fixture
def crm(store: Store, clock: FrozenClock, scorer: FixedScorer) -> CRM:
    return CRM(store=store, clock=clock, scorer=scorer, mailer=RecordingMailer())


async def people(ws: CrmWorkspace, company: str | None, count: int, **fields: object) -> list[str]:
    company_id = (await ws.companies.create(name=company)).id if company else None
    prefix = (company or "solo").lower().replace(" ", "-")
    return [
        (
            await ws.contacts.create(
                email=f"{prefix}{n}@example.eu", company_id=company_id, **fields
            )
        ).id
        for n in range(count)
    ]


async def test_each_company_is_evaluated_once_per_run(
    ws: CrmWorkspace, scorer: FixedScorer
) -> None:
    await people(ws, "DVV", 5)
    await people(ws, "Kela", 3)
    await people(ws, None, 2)

    result = await ws.score()

    assert (result.scored, result.errors) == (10, 0)
    assert sorted(str(p.name) for p in scorer.calls) == ["DVV", "Kela", "None", "None"]


async def test_scores_segments_and_breakdown_are_applied(
    ws: CrmWorkspace, clock: FrozenClock
) -> None:
    [dvv] = await people(ws, "DVV", 1, title="CDO")
    [kela] = await people(ws, "Kela", 1)
    [bakery] = await people(ws, "Bakery", 1)

    await ws.score()

    scored = {c: await ws.contacts.get(c) for c in (dvv, kela, bakery)}
    assert [(s.lead_score, s.score_segment) for s in scored.values()] == [
        (80, ScoreSegment.HOT),
        (50, ScoreSegment.WARM),
        (20, ScoreSegment.COLD),
    ]
    assert scored[dvv].scored_at == clock.now()
    assert scored[dvv].score_breakdown is not None
    assert scored[dvv].score_breakdown["scorer"] == "fixed"
    assert [c["points"] for c in scored[dvv].score_breakdown["criteria"]] == [16] * 5


async def test_a_failed_evaluation_leaves_its_contacts_unscored_and_the_run_goes_on(
    store: Store, clock: FrozenClock, workspace_id: str
) -> None:
    scorer = FixedScorer(fail_for={"Kela"})
    ws = CRM(store=store, clock=clock, scorer=scorer).workspace(workspace_id)
    await people(ws, "DVV", 2)
    kela = await people(ws, "Kela", 3)

    result = await ws.score()

    assert (result.scored, result.errors) == (2, 3)
    assert [(await ws.contacts.get(c)).scored_at for c in kela] == [None, None, None]
    scorer.fail_for.clear()
    assert (await ws.score()).scored == 3  # still unscored, so the next run picks them up


async def test_a_hand_set_score_is_never_overwritten(ws: CrmWorkspace, scorer: FixedScorer) -> None:
    [by_hand, by_scorer] = await people(ws, "DVV", 2)
    await ws.contacts.update(by_hand, lead_score=33)
    await ws.score()
    scorer.points["DVV"] = WARM

    assert (await ws.score()).scored == 0  # nothing unscored left
    rescored = await ws.score(rescore=True)

    assert rescored.scored == 1
    assert (await ws.contacts.get(by_hand)).lead_score == 33
    assert (await ws.contacts.get(by_scorer)).lead_score == 50


async def test_every_evaluation_is_kept_in_the_history(
    ws: CrmWorkspace, scorer: FixedScorer, clock: FrozenClock
) -> None:
    [contact] = await people(ws, "DVV", 1)
    await ws.score()
    scorer.points["DVV"] = WARM
    clock.advance(days=1)
    await ws.score(rescore=True)

    history = await ws.score_history(contact)

    assert [r.score for r in history.items] == [50, 80]
    newest = history.items[0]
    assert (newest.scorer, newest.model, newest.prompt_version) == ("fixed", "fixed-1", "test")
    assert len(newest.input_hash) == 64
    assert [c.points for c in newest.criteria] == [WARM] * 5
    with pytest.raises(NotFound):
        await ws.score_history("no-such-contact")


async def test_scored_contacts_are_enrolled_in_their_segments_sequence(ws: CrmWorkspace) -> None:
    [hot] = await people(ws, "DVV", 1)
    [warm] = await people(ws, "Kela", 1)
    [cold] = await people(ws, "Bakery", 1)

    await ws.score()

    for contact, sequence in (
        (hot, "seq-hot-sovereign"),
        (warm, "seq-warm-regulatory"),
        (cold, "seq-cold-education"),
    ):
        [enrollment] = (await ws.sequences.enrollments(sequence)).items
        assert (enrollment.contact_id, enrollment.status) == (contact, EnrollmentStatus.ACTIVE)


async def test_contacts_that_cannot_be_mailed_are_not_enrolled(ws: CrmWorkspace, crm: CRM) -> None:
    company = await ws.companies.create(name="DVV")
    no_email = await ws.contacts.create(first_name="Anon", company_id=company.id)
    customer = await ws.contacts.create(
        email="c@dvv.fi", company_id=company.id, lifecycle_stage="customer"
    )
    busy = await ws.contacts.create(email="b@dvv.fi", company_id=company.id)
    await ws.sequences.enroll("seq-cold-education", contact_id=busy.id)

    assert (await ws.score()).scored == 3

    hot = await ws.sequences.enrollments("seq-hot-sovereign")
    assert hot.total == 0
    assert (await ws.contacts.get(no_email.id)).score_segment is ScoreSegment.HOT
    assert (await ws.contacts.get(customer.id)).lead_score == 80


async def test_auto_enrolment_can_be_switched_off(ws: CrmWorkspace) -> None:
    await ws.update(auto_enroll=False)
    await people(ws, "DVV", 1)

    await ws.score()

    assert (await ws.sequences.get("seq-hot-sovereign")).enrollment_counts.active == 0


async def test_evaluations_run_concurrently_within_the_limit(
    store: Store, clock: FrozenClock, workspace_id: str
) -> None:
    scorer = FixedScorer(delay=0.02)
    crm = CRM(store=store, clock=clock, scorer=scorer, scoring=ScoringSettings(concurrency=3))
    ws = crm.workspace(workspace_id)
    for n in range(9):
        await people(ws, f"Company {n}", 1)

    await ws.score()

    assert len(scorer.calls) == 9
    assert scorer.max_in_flight == 3


async def test_a_run_evaluates_no_more_companies_than_its_cap(
    store: Store, clock: FrozenClock, workspace_id: str
) -> None:
    scorer = FixedScorer()
    crm = CRM(
        store=store,
        clock=clock,
        scorer=scorer,
        scoring=ScoringSettings(max_evaluations_per_run=2),
    )
    ws = crm.workspace(workspace_id)
    for n in range(5):
        await people(ws, f"Company {n}", 2)

    first = await ws.score()
    second = await ws.score()

    assert (first.scored, second.scored) == (4, 4)
    assert len(scorer.calls) == 4


async def test_the_dashboard_counts_segments_and_ranks_prospects(ws: CrmWorkspace) -> None:
    await people(ws, "DVV", 2)
    await people(ws, "Kela", 1)
    await people(ws, "Bakery", 3)
    await ws.score()
    await people(ws, "Later", 2)  # not scored yet

    dashboard = await ws.dashboard()

    counts = dashboard.summary.segment_counts
    assert (counts[ScoreSegment.HOT], counts[ScoreSegment.WARM], counts[ScoreSegment.COLD]) == (
        2,
        1,
        3,
    )
    assert dashboard.summary.unscored == 2
    assert dashboard.summary.average_score == pytest.approx((80 * 2 + 50 + 20 * 3) / 6, abs=0.05)
    top = dashboard.top_prospects
    assert [p.contact.lead_score for p in top] == [80, 80, 50, 20, 20, 20]
    assert top[0].company is not None
    assert top[0].company.name == "DVV"


async def test_scoring_stays_in_its_workspace(crm: CRM, ws: CrmWorkspace) -> None:
    other = crm.workspace(ws.id + "-b")
    await people(other, "DVV", 2)

    assert (await ws.score()).scored == 0
    assert (await ws.dashboard()).summary.unscored == 0
    assert (await other.dashboard()).summary.unscored == 2
