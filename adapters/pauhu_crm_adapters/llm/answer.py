"""Reading a chat-completions answer strictly into an ``Evaluation``.

The model's text is as untrusted as the profile it read: it must be one JSON
object ``{"criteria": [...]}`` holding exactly the five criteria, in order,
each exactly ``{"key", "points", "rationale"}`` with whole points from 0 to 20
and a non-empty rationale. Anything else is an ``InvalidAnswer`` (the scorer
asks again), never a guess at what the model meant.
"""

from __future__ import annotations

import json
from typing import Any

from pauhu_crm_core.scoring import CriterionScore, Evaluation, evaluation_problems

SCORER_NAME = "openai"
MAX_RATIONALE_CHARS = 300
_CRITERION_FIELDS = frozenset({"key", "points", "rationale"})


class InvalidAnswer(Exception):
    """Raised when a provider answered, but not with a usable evaluation (worth asking again)."""


def completion_content(body: Any) -> str:
    """The first choice's message content of a chat-completions response body."""
    try:
        content = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise InvalidAnswer("the response has no choices[0].message.content") from exc
    if not isinstance(content, str):
        raise InvalidAnswer("the message content is not text")
    return content


def parse_evaluation(content: str, *, model: str, prompt_version: str) -> Evaluation:
    try:
        answer = json.loads(content, object_pairs_hook=_no_duplicate_keys)
    except ValueError as exc:
        raise InvalidAnswer(f"the answer is not JSON: {exc}") from exc
    if not isinstance(answer, dict) or set(answer) != {"criteria"}:
        raise InvalidAnswer('the answer must be an object with exactly one key, "criteria"')
    items = answer["criteria"]
    if not isinstance(items, list):
        raise InvalidAnswer('"criteria" must be a list')
    evaluation = Evaluation(
        scorer=SCORER_NAME,
        model=model,
        prompt_version=prompt_version,
        criteria=tuple(_criterion(index, item) for index, item in enumerate(items)),
    )
    problems = evaluation_problems(evaluation)
    if problems:
        raise InvalidAnswer("; ".join(problems))
    return evaluation


def _criterion(index: int, item: Any) -> CriterionScore:
    where = f"criteria[{index}]"
    if not isinstance(item, dict) or set(item) != _CRITERION_FIELDS:
        raise InvalidAnswer(f"{where} must have exactly the keys key, points and rationale")
    key, points, rationale = item["key"], item["points"], item["rationale"]
    if not isinstance(key, str):
        raise InvalidAnswer(f"{where}.key must be text")
    # bool is an int in Python, and 20.0 or "20" are not the whole number the prompt asks for.
    if isinstance(points, bool) or not isinstance(points, int):
        raise InvalidAnswer(f"{where}.points must be a whole number")
    if not isinstance(rationale, str) or not rationale.strip():
        raise InvalidAnswer(f"{where}.rationale must be a non-empty sentence")
    return CriterionScore(key=key, points=points, rationale=_shorten(rationale))


def _shorten(rationale: str) -> str:
    text = " ".join(rationale.split())
    if len(text) <= MAX_RATIONALE_CHARS:
        return text
    return text[: MAX_RATIONALE_CHARS - 1].rstrip() + "…"


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError(f"duplicate keys in an object: {sorted(keys)}")
    return dict(pairs)
