"""LLM scorers, implementations of the core's ``Scorer`` port.

* ``OpenAICompatibleScorer`` — any OpenAI-compatible chat-completions API
  (OpenAI, Mistral, vLLM, Ollama, llama.cpp), through httpx.
* ``scorer_from_settings`` — one from the app's settings, the API key read
  from the environment variable the settings name (never from the settings
  themselves, so it is not printed with them).
* ``PROMPT_VERSION`` — stored with every evaluation the scorer makes.

The rule-based scorer lives in the core and is built by the apps.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from .openai import OpenAICompatibleScorer
from .prompt import PROMPT_VERSION

__all__ = ["PROMPT_VERSION", "OpenAICompatibleScorer", "scorer_from_settings"]


def scorer_from_settings(
    kind: str,
    *,
    base_url: str,
    model: str,
    api_key_env: str,
    concurrency: int,
    max_calls: int | None,
    client: httpx.AsyncClient | None = None,
    timeout: float = 30,
    environ: Mapping[str, str] | None = None,
) -> OpenAICompatibleScorer:
    """An LLM scorer of ``kind`` (only ``"openai"``, the chat-completions protocol).

    The key comes from the environment variable named ``api_key_env``. A
    missing key is refused unless ``base_url`` is on this machine (a local
    vLLM or Ollama needs none).
    """
    if kind != "openai":
        raise ValueError(f"unknown LLM scorer kind {kind!r}; the only one is 'openai'")
    env = os.environ if environ is None else environ
    api_key = env.get(api_key_env, "").strip() or None
    if api_key is None and not is_loopback_url(base_url):
        raise ValueError(
            f"the scorer at {base_url} needs an API key: set the environment variable "
            f"{api_key_env} (only a scorer on this machine, such as a local vLLM or "
            "Ollama, may run without one)"
        )
    return OpenAICompatibleScorer(
        client=client,
        base_url=base_url,
        model=model,
        api_key=api_key,
        timeout=timeout,
        concurrency=concurrency,
        max_calls=max_calls,
    )


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` points at this machine (``localhost``, 127.0.0.0/8 or ``::1``)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
