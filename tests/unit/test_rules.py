"""Small business rules: score segments, record ids, close dates, task completion, the clock."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from pauhu_crm_core.entities import Deal, DealStage, ScoreSegment, Task, TaskStatus
from pauhu_crm_core.errors import ValidationFailed
from pauhu_crm_core.ids import new_id
from pauhu_crm_core.normalise import ID_PATTERN
from pauhu_crm_core.scoring import segment_for_score
from pauhu_crm_core.services.deals import settle_close_date
from pauhu_crm_core.services.tasks import settle_completion
from pauhu_crm_core.testing import FrozenClock

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NOW = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
_TODAY = date(2026, 3, 7)
_EARLIER = date(2026, 2, 14)

# -- lead-score segments


@pytest.mark.parametrize(
    ("score", "segment"),
    [
        pytest.param(0, None, id="0-never-scored"),
        pytest.param(1, ScoreSegment.COLD, id="1-cold"),
        pytest.param(39, ScoreSegment.COLD, id="39-cold"),
        pytest.param(40, ScoreSegment.WARM, id="40-warm"),
        pytest.param(69, ScoreSegment.WARM, id="69-warm"),
        pytest.param(70, ScoreSegment.HOT, id="70-hot"),
        pytest.param(100, ScoreSegment.HOT, id="100-hot"),
    ],
)
def test_score_falls_in_its_segment(score: int, segment: ScoreSegment | None) -> None:
    assert segment_for_score(score) is segment


# -- ids


def _embedded_ms(record_id: str) -> int:
    return uuid.UUID(record_id).int >> 80


@pytest.mark.parametrize(
    "moment",
    [
        pytest.param("2026-03-07T10:00:00Z", id="whole-second"),
        pytest.param("2026-03-07T10:00:00.123456Z", id="microseconds-truncated"),
        pytest.param("2026-03-07T12:00:00.999+02:00", id="offset"),
        pytest.param("2004-06-01T10:20:28.067Z", id="float-rounding-case"),
    ],
)
def test_new_id_embeds_the_clocks_unix_milliseconds(moment: str) -> None:
    now = FrozenClock(moment).now()
    assert _embedded_ms(new_id(now)) == (now - _EPOCH) // timedelta(milliseconds=1)


def test_new_id_is_a_version_7_rfc_uuid_in_canonical_form() -> None:
    made = new_id(_NOW)
    parsed = uuid.UUID(made)
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert str(parsed) == made


def test_new_id_is_a_valid_record_id() -> None:
    assert ID_PATTERN.fullmatch(new_id(_NOW))


def test_ids_made_at_the_same_instant_differ() -> None:
    assert len({new_id(_NOW) for _ in range(1000)}) == 1000


def test_ids_from_increasing_times_sort_in_that_order() -> None:
    clock = FrozenClock(_NOW)
    ids = []
    for _ in range(500):
        ids.append(new_id(clock.now()))
        clock.advance(milliseconds=3)
    assert sorted(ids) == ids


# -- deal close dates


def _deal(stage: DealStage, actual_close_date: date | None = None) -> Deal:
    return Deal(
        id="deal-1",
        stage=stage,
        actual_close_date=actual_close_date,
        created_at=_NOW,
        updated_at=_NOW,
    )


@pytest.mark.parametrize(
    "stage",
    [pytest.param(DealStage.CLOSED_WON, id="won"), pytest.param(DealStage.CLOSED_LOST, id="lost")],
)
def test_deal_created_closed_is_closed_today(stage: DealStage) -> None:
    settled = settle_close_date(None, _deal(stage), _TODAY, date_given=False)
    assert settled.actual_close_date == _TODAY


def test_deal_entering_closed_won_is_closed_today() -> None:
    before = _deal(DealStage.NEGOTIATION)
    settled = settle_close_date(before, _deal(DealStage.CLOSED_WON), _TODAY, date_given=False)
    assert settled.actual_close_date == _TODAY


def test_deal_entering_a_closed_stage_keeps_a_given_close_date() -> None:
    before = _deal(DealStage.PROPOSAL)
    after = _deal(DealStage.CLOSED_WON, _EARLIER)
    settled = settle_close_date(before, after, _TODAY, date_given=True)
    assert settled.actual_close_date == _EARLIER


def test_deal_staying_closed_keeps_its_close_date() -> None:
    before = _deal(DealStage.CLOSED_WON, _EARLIER)
    after = _deal(DealStage.CLOSED_WON, _EARLIER)
    settled = settle_close_date(before, after, _TODAY, date_given=False)
    assert settled.actual_close_date == _EARLIER


def test_deal_moving_from_won_to_lost_is_closed_again_today() -> None:
    before = _deal(DealStage.CLOSED_WON, _EARLIER)
    after = _deal(DealStage.CLOSED_LOST, _EARLIER)
    settled = settle_close_date(before, after, _TODAY, date_given=False)
    assert settled.actual_close_date == _TODAY


def test_reopened_deal_has_no_close_date() -> None:
    before = _deal(DealStage.CLOSED_WON, _EARLIER)
    after = _deal(DealStage.PROPOSAL, _EARLIER)
    settled = settle_close_date(before, after, _TODAY, date_given=False)
    assert settled.actual_close_date is None


@pytest.mark.parametrize(
    "before",
    [
        pytest.param(None, id="on-create"),
        pytest.param(_deal(DealStage.LEAD), id="on-update"),
    ],
)
def test_close_date_given_for_an_open_deal_is_rejected(before: Deal | None) -> None:
    after = _deal(DealStage.QUALIFIED, _EARLIER)
    with pytest.raises(ValidationFailed) as caught:
        settle_close_date(before, after, _TODAY, date_given=True)
    assert [d["field"] for d in caught.value.details] == ["actual_close_date"]


def test_clearing_the_close_date_of_an_open_deal_is_allowed() -> None:
    settled = settle_close_date(
        _deal(DealStage.LEAD), _deal(DealStage.LEAD), _TODAY, date_given=True
    )
    assert settled.actual_close_date is None


# -- task completion


def _task(status: TaskStatus, completed_at: datetime | None = None) -> Task:
    return Task(
        id="task-1",
        title="Call back",
        status=status,
        completed_at=completed_at,
        created_at=_NOW,
        updated_at=_NOW,
    )


def test_task_marked_done_records_now() -> None:
    assert settle_completion(_task(TaskStatus.DONE), _NOW).completed_at == _NOW


def test_task_already_done_keeps_its_completion_time() -> None:
    first_done = _NOW - timedelta(days=2)
    later = _NOW + timedelta(hours=1)
    assert settle_completion(_task(TaskStatus.DONE, first_done), later).completed_at == first_done


@pytest.mark.parametrize(
    "status",
    [
        pytest.param(TaskStatus.TODO, id="todo"),
        pytest.param(TaskStatus.IN_PROGRESS, id="in-progress"),
    ],
)
def test_task_leaving_done_clears_its_completion_time(status: TaskStatus) -> None:
    assert settle_completion(_task(status, _NOW), _NOW).completed_at is None


def test_open_task_has_no_completion_time() -> None:
    assert settle_completion(_task(TaskStatus.TODO), _NOW).completed_at is None


# -- the frozen clock


@pytest.mark.parametrize(
    "naive",
    [
        pytest.param("2026-03-07T10:00:00", id="string"),
        pytest.param(datetime(2026, 3, 7, 10, 0), id="datetime"),
    ],
)
def test_frozen_clock_rejects_a_naive_time(naive: str | datetime) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FrozenClock(naive)


def test_frozen_clock_reports_utc() -> None:
    clock = FrozenClock(datetime(2026, 3, 7, 12, 0, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == _NOW
    assert clock.now().utcoffset() == timedelta(0)


def test_frozen_clock_stands_still() -> None:
    clock = FrozenClock("2026-03-07T10:00:00Z")
    assert clock.now() == clock.now() == _NOW


def test_frozen_clock_advance_moves_it_forward() -> None:
    clock = FrozenClock(_NOW)
    assert clock.advance(minutes=5) == _NOW + timedelta(minutes=5)
    assert clock.now() == _NOW + timedelta(minutes=5)
    clock.advance(timedelta(days=1))
    assert clock.now() == _NOW + timedelta(days=1, minutes=5)


def test_frozen_clock_set_moves_it_to_the_given_time() -> None:
    clock = FrozenClock(_NOW)
    clock.set(_NOW - timedelta(days=30))
    assert clock.now() == _NOW - timedelta(days=30)
