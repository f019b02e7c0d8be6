"""Record ids: time-ordered UUIDs (version 7, RFC 9562), so new rows land together in indexes."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

_VERSION_7 = 0x7
_VARIANT_RFC = 0b10
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def new_id(now: datetime) -> str:
    """A UUIDv7 string whose first 48 bits are ``now`` in Unix milliseconds."""
    # Exact integer arithmetic: ``timestamp() * 1000`` is a float and can land a millisecond off.
    unix_ms = ((now - _UNIX_EPOCH) // _MILLISECOND) & ((1 << 48) - 1)
    rand_a = secrets.randbits(12)
    rand_b = secrets.randbits(62)
    value = (unix_ms << 80) | (_VERSION_7 << 76) | (rand_a << 64) | (_VARIANT_RFC << 62) | rand_b
    return str(uuid.UUID(int=value))
