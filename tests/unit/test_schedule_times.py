"""When cron jobs fire, in a workspace's own time zone (DST and weekends included)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from pauhu_crm_apps.scheduler import latest_fire, next_fire

HELSINKI = ZoneInfo("Europe/Helsinki")
WEEKDAYS_AT_8 = "0 8 * * 1-5"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Winter time (UTC+2): 08:00 local is 06:00 UTC.
        pytest.param("2026-03-27T12:00:00+02:00", "2026-03-30T05:00:00Z", id="friday-to-monday"),
        # The clocks go forward on Sunday 2026-03-29: Monday 08:00 is already UTC+3.
        pytest.param("2026-03-28T09:00:00+02:00", "2026-03-30T05:00:00Z", id="across-spring-dst"),
        # They go back on Sunday 2026-10-25: Monday 08:00 is UTC+2 again.
        pytest.param("2026-10-23T09:00:00+03:00", "2026-10-26T06:00:00Z", id="across-autumn-dst"),
        pytest.param("2026-03-30T07:59:59+03:00", "2026-03-30T05:00:00Z", id="just-before"),
    ],
)
def test_next_fire_follows_local_time(now: str, expected: str) -> None:
    assert next_fire(WEEKDAYS_AT_8, utc(now), HELSINKI) == utc(expected)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param("2026-03-30T08:00:00+03:00", "2026-03-30T05:00:00Z", id="exactly-at"),
        pytest.param("2026-03-30T08:00:01+03:00", "2026-03-30T05:00:00Z", id="just-after"),
        pytest.param("2026-03-30T07:59:59+03:00", "2026-03-27T06:00:00Z", id="monday-before-8"),
        pytest.param("2026-03-29T12:00:00+03:00", "2026-03-27T06:00:00Z", id="on-the-weekend"),
    ],
)
def test_latest_fire_is_the_last_one_that_has_come(now: str, expected: str) -> None:
    assert latest_fire(WEEKDAYS_AT_8, utc(now), HELSINKI) == utc(expected)


def test_a_daily_job_fires_at_local_six_on_both_sides_of_dst() -> None:
    before = latest_fire("0 6 * * *", utc("2026-03-28T12:00:00Z"), HELSINKI)
    after = latest_fire("0 6 * * *", utc("2026-03-30T12:00:00Z"), HELSINKI)

    assert before == utc("2026-03-28T04:00:00Z")
    assert after == utc("2026-03-30T03:00:00Z")


def test_the_same_cron_fires_at_different_instants_in_different_zones() -> None:
    now = utc("2026-06-01T20:00:00Z")

    helsinki = latest_fire(WEEKDAYS_AT_8, now, HELSINKI)
    new_york = latest_fire(WEEKDAYS_AT_8, now, ZoneInfo("America/New_York"))

    assert new_york - helsinki == utc("2026-06-01T12:00:00Z") - utc("2026-06-01T05:00:00Z")


def test_seconds_fields_work_for_fast_schedules() -> None:
    now = utc("2026-06-01T20:00:03.500000Z")

    assert latest_fire("* * * * * *", now, HELSINKI) == utc("2026-06-01T20:00:03Z")
