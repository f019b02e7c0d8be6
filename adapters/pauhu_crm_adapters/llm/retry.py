"""How long to wait before asking a provider again.

``Retry-After`` (RFC 9110 §10.2.3) is either a number of seconds or an
HTTP date; when a provider sends one it is honoured, otherwise the wait
doubles with every attempt. Either way it is capped: a provider asking for an
hour must not hold a scoring run for an hour (the attempt fails instead, and
the contact stays unscored until the next run).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

FIRST_BACKOFF_SECONDS = 0.5


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """The wait a ``Retry-After`` header asks for, or ``None`` when it is absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def backoff_seconds(attempt: int, retry_after: float | None, cap: float) -> float:
    """The wait after failed attempt number ``attempt`` (1 for the first)."""
    if retry_after is not None:
        return min(retry_after, cap)
    return min(FIRST_BACKOFF_SECONDS * 2.0 ** (attempt - 1), cap)
