"""Building the LLM scorer from settings: the key from the environment, loopback without one."""

from __future__ import annotations

import pytest

from pauhu_crm_adapters.llm import OpenAICompatibleScorer, is_loopback_url, scorer_from_settings

KEY_ENV = "PAUHU_CRM_SCORER_API_KEY"


def build(base_url: str, environ: dict[str, str], kind: str = "openai") -> OpenAICompatibleScorer:
    return scorer_from_settings(
        kind,
        base_url=base_url,
        model="mistral-small-latest",
        api_key_env=KEY_ENV,
        concurrency=2,
        max_calls=100,
        environ=environ,
    )


@pytest.mark.anyio
async def test_the_key_is_read_from_the_named_environment_variable() -> None:
    scorer = build("https://api.mistral.ai/v1", {KEY_ENV: "sk-secret-123"})
    try:
        assert scorer.url == "https://api.mistral.ai/v1/chat/completions"
        assert scorer.model == "mistral-small-latest"
        assert "sk-secret-123" not in repr(scorer)
    finally:
        await scorer.aclose()


@pytest.mark.anyio
async def test_the_process_environment_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-from-env")
    scorer = scorer_from_settings(
        "openai",
        base_url="https://api.openai.com/v1",
        model="gpt-4o-mini",
        api_key_env=KEY_ENV,
        concurrency=4,
        max_calls=None,
    )
    await scorer.aclose()


@pytest.mark.parametrize("value", [pytest.param(None, id="unset"), pytest.param(" ", id="blank")])
def test_a_remote_scorer_without_a_key_is_refused_naming_the_variable(value: str | None) -> None:
    environ = {} if value is None else {KEY_ENV: value}

    with pytest.raises(ValueError, match=KEY_ENV):
        build("https://api.mistral.ai/v1", environ)


@pytest.mark.parametrize(
    "base_url",
    [
        pytest.param("http://127.0.0.1:8000/v1", id="ipv4"),
        pytest.param("http://127.1.2.3:8000/v1", id="ipv4-range"),
        pytest.param("http://localhost:11434/v1", id="localhost"),
        pytest.param("http://[::1]:8080/v1", id="ipv6"),
    ],
)
@pytest.mark.anyio
async def test_a_loopback_scorer_needs_no_key(base_url: str) -> None:
    scorer = build(base_url, {})
    await scorer.aclose()


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost.evil.example/v1",
        "http://10.0.0.5/v1",
        "http://127.0.0.1.nip.io/v1",
        "not a url",
    ],
)
def test_other_hosts_are_not_loopback(url: str) -> None:
    assert not is_loopback_url(url)


@pytest.mark.parametrize("kind", ["rules", "anthropic", ""])
def test_an_unknown_kind_is_refused(kind: str) -> None:
    with pytest.raises(ValueError, match="kind"):
        build("http://127.0.0.1/v1", {}, kind=kind)
