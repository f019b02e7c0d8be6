"""Record ids: time-ordered UUIDs (version 7, RFC 9562), so new rows land together in indexes."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

_VERSION_7 = 0x7
_VARIANT_RFC = 0b10
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def new_id(now: datetime) -> str:
    """A UUIDv7 string whose first 48 bits are ``now`` in Unix milliseconds."""
    # Exact integer arithmetic: ``timestamp() * 1000`` is a float and can land a millisecond off.
    unix_ms = ((now - _UNIX_EPOCH) // _MILLISECOND) & ((1 << 48) - 1)
    # One draw of the 74 random bits: each draw reads the OS's random source.
    random = secrets.randbits(74)
    rand_a, rand_b = random >> 62, random & ((1 << 62) - 1)
    value = (unix_ms << 80) | (_VERSION_7 << 76) | (rand_a << 64) | (_VARIANT_RFC << 62) | rand_b
    digits = f"{value:032x}"
    # The canonical 8-4-4-4-12 form, as ``str(uuid.UUID(int=value))`` writes it.
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
