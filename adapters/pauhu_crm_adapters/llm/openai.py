"""A ``Scorer`` over any OpenAI-compatible chat-completions API, through httpx.

``POST {base_url}/chat/completions`` with ``model``, ``messages``,
``temperature: 0`` and ``response_format: {"type": "json_object"}`` is the
common ground of OpenAI, Mistral, vLLM, Ollama (``/v1``) and llama.cpp's
server, so one adapter serves a paid EU provider and a model on the next
machine alike.

What happens to a request:

* a 2xx whose first choice is not a usable evaluation (see ``answer``) is
  asked again at once, with the problems named, up to ``max_attempts``;
* 408, 425, 429 and every 5xx, a timeout (``timeout`` seconds for the whole
  exchange) and a connection error are tried again after a wait — the
  provider's ``Retry-After`` when it sends one, else 0.5 s doubling — capped
  at ``max_retry_wait``;
* any other 4xx (a bad key, an unknown model) is a permanent
  ``ProviderError`` at once: asking again cannot help;
* when the attempts run out the error is temporary: a later run may succeed.

At most ``concurrency`` requests are in flight, however many evaluations run
at once (the scoring run starts one per company). ``max_calls`` is a hard
guard over the scorer's lifetime — the run itself bounds how many companies
it evaluates; this only stops a loop from spending without end. The API key
goes in ``Authorization: Bearer`` and nowhere else: not in a repr, a log
line or an error message.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx

from pauhu_crm_core.errors import ProviderError
from pauhu_crm_core.scoring import Evaluation, LeadProfile

from .answer import InvalidAnswer, completion_content, parse_evaluation
from .prompt import PROMPT_VERSION, build_messages
from .retry import backoff_seconds, retry_after_seconds

Sleep = Callable[[float], Awaitable[object]]

logger = logging.getLogger(__name__)

_TEMPORARY_CLIENT_ERRORS = frozenset({408, 425, 429})
_MAX_DETAIL = 300
_MAX_ECHOED_ANSWER = 2000


class _TryAgain(Exception):
    """A failure after which another attempt, after a wait, may succeed."""

    def __init__(self, detail: str, *, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after


class _Unusable(Exception):
    """An answer that was not an evaluation; the next attempt tells the model why."""

    def __init__(self, detail: str, content: str | None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.content = content


class OpenAICompatibleScorer:
    """Evaluates leads with a chat-completions model; see the module docstring.

    ``client`` is the caller's (who closes it); without one the scorer makes
    its own and ``aclose`` closes it. ``sleep`` is there so tests can see the
    waits without waiting.
    """

    def __init__(
        self,
        *,
        client: httpx.AsyncClient | None = None,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 30,
        max_attempts: int = 3,
        concurrency: int = 4,
        max_calls: int | None = None,
        max_retry_wait: float = 30,
        sleep: Sleep = anyio.sleep,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("the scorer's base URL must start with http:// or https://")
        if not model:
            raise ValueError("a model name is needed")
        if timeout <= 0 or max_retry_wait < 0:
            raise ValueError("the timeout must be positive and the retry wait not negative")
        if max_attempts < 1 or concurrency < 1:
            raise ValueError("max_attempts and concurrency must be at least 1")
        if max_calls is not None and max_calls < 0:
            raise ValueError("max_calls must not be negative")
        self.url = f"{base_url.rstrip('/')}/chat/completions"
        self.model = model
        self._api_key = api_key or None
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._max_calls = max_calls
        self._max_retry_wait = max_retry_wait
        self._sleep = sleep
        self._limiter = anyio.CapacityLimiter(concurrency)
        self._owns_client = client is None
        if client is None:
            # httpx's default pool, on purpose: sized to a high concurrency (50 kept-alive
            # connections) its connection search costs more per request than the reconnects
            # it saves (500 calls at C=50 against the bench's fake server: ~4 s, not ~1.3 s).
            client = httpx.AsyncClient(timeout=timeout)
        self._client = client
        self._calls = 0

    def __repr__(self) -> str:
        return f"OpenAICompatibleScorer(url={self.url!r}, model={self.model!r})"

    @property
    def calls(self) -> int:
        """HTTP requests made so far (what ``max_calls`` counts)."""
        return self._calls

    async def evaluate(self, profile: LeadProfile) -> Evaluation:
        messages = build_messages(profile)
        conversation = messages
        failure = "no attempt was made"
        for attempt in range(1, self._max_attempts + 1):
            try:
                return await self._ask(conversation)
            except _Unusable as unusable:
                # The server is fine; ask again at once, telling the model what was wrong.
                failure = f"unusable answer: {unusable.detail}"
                conversation = messages + _correction(unusable)
                wait = 0.0
            except _TryAgain as temporary:
                failure = temporary.detail
                wait = backoff_seconds(attempt, temporary.retry_after, self._max_retry_wait)
            if attempt < self._max_attempts:
                logger.warning(
                    "scorer attempt %d/%d failed (%s); trying again in %.1f s",
                    attempt,
                    self._max_attempts,
                    failure,
                    wait,
                )
                if wait > 0:
                    await self._sleep(wait)
        raise ProviderError(
            f"the scorer at {self.url} failed after {self._max_attempts} attempts: {failure}",
            permanent=False,
        )

    async def _ask(self, messages: list[dict[str, str]]) -> Evaluation:
        async with self._limiter:
            # Counted inside the limiter, so callers waiting for a slot spend nothing.
            if self._max_calls is not None and self._calls >= self._max_calls:
                raise ProviderError(
                    f"call budget exhausted ({self._max_calls} calls)", permanent=False
                )
            self._calls += 1
            response = await self._post(messages)
        return self._evaluation(response)

    async def _post(self, messages: list[dict[str, str]]) -> httpx.Response:
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "response_format": {"type": "json_object"},
        }
        headers = {"accept": "application/json"}
        if self._api_key:
            headers["authorization"] = f"Bearer {self._api_key}"
        try:
            with anyio.fail_after(self._timeout):
                return await self._client.post(self.url, json=payload, headers=headers)
        except TimeoutError as exc:
            raise _TryAgain(f"no answer within {self._timeout:g} s") from exc
        except httpx.UnsupportedProtocol as exc:
            raise ProviderError(f"the scorer URL is unusable: {exc}", permanent=True) from exc
        except httpx.RequestError as exc:
            raise _TryAgain(self._redact(f"{type(exc).__name__}: {exc}")) from exc

    def _evaluation(self, response: httpx.Response) -> Evaluation:
        status = response.status_code
        if response.is_success:
            try:
                content = completion_content(response.json())
            except ValueError as exc:
                raise _Unusable(f"the response is not JSON ({exc})", None) from exc
            except InvalidAnswer as exc:
                raise _Unusable(str(exc), None) from exc
            try:
                return parse_evaluation(content, model=self.model, prompt_version=PROMPT_VERSION)
            except InvalidAnswer as exc:
                raise _Unusable(str(exc)[:_MAX_DETAIL], content) from exc
        detail = f"HTTP {status} {self._detail(response)}".rstrip()
        if status >= 500 or status in _TEMPORARY_CLIENT_ERRORS:
            wait = retry_after_seconds(response.headers.get("retry-after"), datetime.now(UTC))
            raise _TryAgain(detail, retry_after=wait)
        raise ProviderError(f"the scorer at {self.url} refused: {detail}", permanent=True)

    def _detail(self, response: httpx.Response) -> str:
        """The provider's ``error.message`` (OpenAI's error shape) or the body's start."""
        try:
            body = response.json()
        except ValueError:
            return self._redact(response.text[:_MAX_DETAIL])
        error = body.get("error") if isinstance(body, dict) else None
        message = error.get("message") if isinstance(error, dict) else error
        text = message if isinstance(message, str) else response.text
        return self._redact(text[:_MAX_DETAIL])

    def _redact(self, text: str) -> str:
        # Some providers echo the key they refused; it must not reach a log through us.
        return text.replace(self._api_key, "***") if self._api_key else text

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()


def _correction(unusable: _Unusable) -> list[dict[str, str]]:
    """The follow-up that shows the model its unusable answer and what was wrong with it."""
    if unusable.content is None:
        return []
    return [
        {"role": "assistant", "content": unusable.content[:_MAX_ECHOED_ANSWER]},
        {
            "role": "user",
            "content": (
                f"That answer cannot be used: {unusable.detail}. Answer again with one JSON "
                "object only, exactly in the format the system message describes."
            ),
        },
    ]
