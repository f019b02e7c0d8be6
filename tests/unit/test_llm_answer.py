"""Reading a model's answer strictly, and how long to wait before asking again."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from pauhu_crm_adapters.llm.answer import (
    MAX_RATIONALE_CHARS,
    InvalidAnswer,
    completion_content,
    parse_evaluation,
)
from pauhu_crm_adapters.llm.retry import backoff_seconds, retry_after_seconds
from pauhu_crm_core.scoring import CRITERION_KEYS


def good_answer(points: tuple[int, ...] = (20, 15, 10, 5, 0)) -> dict[str, Any]:
    return {
        "criteria": [
            {"key": key, "points": p, "rationale": f"Evidence for {key}."}
            for key, p in zip(CRITERION_KEYS, points, strict=True)
        ]
    }


def parse(answer: Any) -> Any:
    content = answer if isinstance(answer, str) else json.dumps(answer)
    return parse_evaluation(content, model="mistral-small", prompt_version="v1")


def test_a_good_answer_becomes_an_evaluation() -> None:
    evaluation = parse(good_answer())

    assert evaluation.scorer == "openai"
    assert evaluation.model == "mistral-small"
    assert evaluation.prompt_version == "v1"
    assert [c.key for c in evaluation.criteria] == list(CRITERION_KEYS)
    assert evaluation.score == 50


def test_a_rationale_is_trimmed_and_capped() -> None:
    answer = good_answer()
    answer["criteria"][0]["rationale"] = "  Long\n  " + "word " * 200
    answer["criteria"][1]["rationale"] = "\tShort one.  "

    evaluation = parse(answer)

    first = evaluation.criteria[0].rationale
    assert len(first) == MAX_RATIONALE_CHARS
    assert first.startswith("Long word")
    assert first.endswith("…")
    assert evaluation.criteria[1].rationale == "Short one."


def _with(change: Any) -> dict[str, Any]:
    answer = good_answer()
    change(answer)
    return answer


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param("not json", id="not-json"),
        pytest.param("[]", id="a-list"),
        pytest.param('{"criteria": [], "criteria": []}', id="duplicate-key"),
        pytest.param(_with(lambda a: a["criteria"].pop()), id="missing-criterion"),
        pytest.param(_with(lambda a: a.update(total=100)), id="extra-top-level-key"),
        pytest.param(_with(lambda a: a["criteria"][0].update(weight=2)), id="extra-criterion-key"),
        pytest.param(_with(lambda a: a["criteria"][0].update(points=25)), id="points-25"),
        pytest.param(_with(lambda a: a["criteria"][0].update(points=-1)), id="points-negative"),
        pytest.param(_with(lambda a: a["criteria"][0].update(points="20")), id="points-text"),
        pytest.param(_with(lambda a: a["criteria"][0].update(points=12.5)), id="points-fraction"),
        pytest.param(_with(lambda a: a["criteria"][0].update(points=True)), id="points-bool"),
        pytest.param(
            _with(lambda a: a["criteria"][0].update(rationale="  ")), id="rationale-blank"
        ),
        pytest.param(_with(lambda a: a["criteria"][0].update(rationale=None)), id="rationale-null"),
        pytest.param(_with(lambda a: a["criteria"][0].update(key=1)), id="key-not-text"),
        pytest.param(_with(lambda a: a["criteria"].reverse()), id="wrong-order"),
        pytest.param(_with(lambda a: a["criteria"].append(a["criteria"][0])), id="six-criteria"),
        pytest.param({"criteria": "all 20"}, id="criteria-not-a-list"),
    ],
)
def test_an_unusable_answer_is_refused(answer: Any) -> None:
    with pytest.raises(InvalidAnswer):
        parse(answer)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="no-choices"),
        pytest.param({"choices": []}, id="empty-choices"),
        pytest.param({"choices": [{"message": {"content": None}}]}, id="null-content"),
        pytest.param([1], id="not-an-object"),
    ],
)
def test_a_response_without_message_content_is_refused(body: Any) -> None:
    with pytest.raises(InvalidAnswer):
        completion_content(body)


NOW = datetime(2026, 3, 7, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        pytest.param(None, None, id="absent"),
        pytest.param("7", 7.0, id="seconds"),
        pytest.param(" 0 ", 0.0, id="zero"),
        pytest.param("Sat, 07 Mar 2026 10:00:12 GMT", 12.0, id="http-date"),
        pytest.param("Sat, 07 Mar 2026 09:00:00 GMT", 0.0, id="date-in-the-past"),
        pytest.param("soon", None, id="unreadable"),
        pytest.param("-3", None, id="negative"),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(
    header: str | None, seconds: float | None
) -> None:
    assert retry_after_seconds(header, NOW) == seconds


def test_the_backoff_doubles_and_both_it_and_retry_after_are_capped() -> None:
    assert [backoff_seconds(n, None, 30) for n in (1, 2, 3, 8)] == [0.5, 1.0, 2.0, 30]
    assert backoff_seconds(1, 12, 30) == 12
    assert backoff_seconds(1, 3600, 30) == 30
