"""Parsers for single input values: each returns the stored form or raises ``ValueError``.

The messages are sentences about the value ("must be …"); the validation
layer adds the field name. Every parser accepts the JSON form of its value
(a string or a number) and, for library callers, the natural Python type.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .codes import COUNTRY_CODES, CURRENCY_CODES

MAX_NAME_LENGTH = 255
MAX_EMAIL_LENGTH = 320
MAX_BODY_LENGTH = 100_000
MAX_TAGS = 50
MAX_TAG_LENGTH = 64
MAX_JSON_OBJECT_BYTES = 16 * 1024
MAX_URL_LENGTH = 2048
MAX_JSON_NUMBER = 2**53 - 1
"""The largest magnitude of a number in ``custom_fields``/``metadata``: every JSON reader (a
browser's too) holds it exactly, and PostgreSQL's JSONB, which writes ``1e20`` back as a
21-digit integer, never returns a number the API cannot encode."""
MAX_AMOUNT_CENTS = 10**14 - 1
"""Just under a trillion euros: keeps every per-workspace sum inside a 64-bit integer."""
_MAX_AMOUNT = Decimal(MAX_AMOUNT_CENTS).scaleb(-2)
# Shifting the decimal point must never round, overflow or underflow: the
# default context would round 1.0000000000000000000000000000001 to a whole
# cent, turn 1e-999999999 into 0 and raise Overflow for 1e999999999.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
WORKSPACE_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
_EMAIL_LOCAL = re.compile(r"[^\s@\"(),:;<>\[\]\\]{1,64}")
# Letters and digits (any script) with inner hyphens; no underscores, which host names forbid.
_DOMAIN_LABEL = re.compile(r"[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PHONE = re.compile(r"\+?[0-9 ()./-]{3,40}(?:\s*(?:x|ext\.?)\s*[0-9]{1,6})?", re.IGNORECASE)
_NUL_MESSAGE = "must be text without the NUL character (U+0000)"


def require_str(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, not {json_type_name(value)}")
    if "\x00" in value:
        # PostgreSQL text cannot hold it and SQLite's full-text index stops at it.
        raise ValueError(_NUL_MESSAGE)
    return value


def json_type_name(value: object) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def text(value: object, *, max_length: int = MAX_NAME_LENGTH) -> str | None:
    """Trimmed text; blank becomes ``None`` (the field is cleared)."""
    stripped = require_str(value).strip()
    if len(stripped) > max_length:
        raise ValueError(f"must be at most {max_length} characters")
    return stripped or None


def required_text(value: object, *, max_length: int = MAX_NAME_LENGTH) -> str:
    """Trimmed text that must not be blank."""
    result = text(value, max_length=max_length)
    if result is None:
        raise ValueError("must not be blank")
    return result


def entity_id(value: object) -> str:
    if not ID_PATTERN.fullmatch(require_str(value)):
        raise ValueError(
            "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return str(value)


def workspace_id(value: object) -> str:
    if not WORKSPACE_ID_PATTERN.fullmatch(require_str(value)):
        raise ValueError("must be 2-63 lower-case letters, digits or '-', not starting with '-'")
    return str(value)


def email(value: object) -> str | None:
    """Trimmed, lower-cased, and plausibly deliverable; blank clears it."""
    address = require_str(value).strip().lower()
    if not address:
        return None
    if len(address) > MAX_EMAIL_LENGTH:
        raise ValueError(f"must be at most {MAX_EMAIL_LENGTH} characters")
    local, at, host = address.rpartition("@")
    local = unicodedata.normalize("NFC", local)
    if (
        not at
        or not _EMAIL_LOCAL.fullmatch(local)
        or ".." in local
        or local.startswith(".")
        or local.endswith(".")
    ):
        raise ValueError("must be an e-mail address like name@example.eu")
    try:
        # The normalised host, so that "a@b.fi." and "a@b.fi" are one address.
        return f"{local}@{domain_name(host)}"
    except ValueError:
        raise ValueError("must be an e-mail address like name@example.eu") from None


def domain_name(value: str) -> str:
    """A bare host name of at least two labels, lower-case, without a trailing dot.

    NFKC first (as IDNA's mapping does), so decomposed ``münchen.de`` and
    full-width ``ｄｖｖ.fi`` are the same names as ``münchen.de`` and ``dvv.fi``.
    """
    host = unicodedata.normalize("NFKC", value).strip().lower().rstrip(".")
    labels = host.split(".")
    if (
        len(host) > 253
        or len(labels) < 2
        or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise ValueError("must be a domain name like example.eu")
    return host


def domain(value: object) -> str | None:
    """``https://www.DVV.fi/path`` → ``dvv.fi``; blank clears it."""
    # NFKC before looking for "www.", so that full-width "ｗｗｗ." is stripped too.
    raw = unicodedata.normalize("NFKC", require_str(value)).strip()
    if not raw:
        return None
    parts = urlsplit(raw if "//" in raw else "//" + raw)
    host = (parts.hostname or "").rstrip(".")
    # Every leading "www." goes (so the result is a fixed point), but www.fi is a domain itself.
    while host.startswith("www.") and "." in host[len("www.") :]:
        host = host[len("www.") :]
    return domain_name(host)


def http_url(value: object) -> str | None:
    raw = require_str(value).strip()
    if not raw:
        return None
    if len(raw) > MAX_URL_LENGTH:
        raise ValueError(f"must be at most {MAX_URL_LENGTH} characters")
    parts = urlsplit(raw)
    # urlsplit silently drops tabs and newlines, so look for them (and other controls) first.
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in raw):
        raise ValueError("must be an http or https URL")
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http or https URL")
    return raw


def phone(value: object) -> str | None:
    raw = " ".join(require_str(value).split())
    if not raw:
        return None
    if not _PHONE.fullmatch(raw) or not any(c.isdigit() for c in raw):
        raise ValueError("must be a phone number like +358 40 123 4567")
    return raw


def country(value: object) -> str | None:
    code = require_str(value).strip().upper()
    if not code:
        return None
    if code not in COUNTRY_CODES:
        raise ValueError("must be an ISO 3166-1 alpha-2 country code like FI")
    return code


def currency(value: object) -> str:
    code = require_str(value).strip().upper()
    if code not in CURRENCY_CODES:
        raise ValueError("must be an ISO 4217 currency code like EUR")
    return code


def timezone_name(value: object) -> str:
    name = require_str(value).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be an IANA time zone name like Europe/Helsinki") from None
    return name


def strict_int(value: object) -> int:
    """A JSON integer (``85`` or ``85.0``), never a boolean or a string."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"must be an integer, not {json_type_name(value)}")
    if isinstance(value, int):
        return value
    if not Decimal(value).is_finite() or value != int(value):
        raise ValueError("must be a whole number")
    return int(value)


def int_in_range(value: object, low: int, high: int) -> int:
    number = strict_int(value)
    if not low <= number <= high:
        raise ValueError(f"must be between {low} and {high}")
    return number


def strict_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {json_type_name(value)}")
    return value


def cents(value: object) -> int:
    """A non-negative amount exact to the cent, as integer cents (``0.1`` → ``10``)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ValueError(f"must be a number, not {json_type_name(value)}")
    try:
        # repr() of a float is the shortest string that round-trips, so 0.1 stays 0.1.
        amount = Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not amount.is_finite():
        raise ValueError("must be a finite number")
    if amount < 0:
        raise ValueError("must not be negative")
    if amount > _MAX_AMOUNT:
        raise ValueError("is too large")
    exact = amount.scaleb(2, context=_EXACT)
    if exact != exact.to_integral_value(context=_EXACT):
        raise ValueError("must be exact to the cent (at most two decimals)")
    return int(exact)


def iso_date(value: object) -> date:
    if isinstance(value, datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, date):
        return value
    raw = require_str(value).strip()
    if not _DATE.fullmatch(raw):
        raise ValueError("must be a date like 2026-09-01")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError("is not a real calendar date") from None


def utc_datetime(value: object) -> datetime:
    """An ISO 8601 date and time with a UTC offset, converted to UTC."""
    if isinstance(value, datetime):
        moment = value
    else:
        raw = require_str(value).strip()
        if "T" not in raw.upper():
            raise ValueError("must be a date and time like 2026-03-07T10:00:00Z")
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise ValueError("must be a date and time like 2026-03-07T10:00:00Z") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("must include a time zone (Z or an offset like +02:00)")
    return moment.astimezone(UTC)


def tags(value: object) -> tuple[str, ...]:
    """Trimmed, de-duplicated labels; a bad one is reported with its index."""
    if not isinstance(value, list | tuple):
        raise ValueError(f"must be an array of strings, not {json_type_name(value)}")
    if len(value) > MAX_TAGS:
        raise ValueError(f"must have at most {MAX_TAGS} tags")
    cleaned: dict[str, None] = {}
    for index, tag in enumerate(value):
        try:
            label = required_text(tag, max_length=MAX_TAG_LENGTH)
        except ValueError as exc:
            raise NestedValueError(str(index), str(exc)) from None
        cleaned[label] = None
    return tuple(cleaned)


def json_object(value: object) -> dict[str, Any]:
    """A JSON object of at most 16 KiB when encoded."""
    if not isinstance(value, Mapping):
        raise ValueError(f"must be an object, not {json_type_name(value)}")
    try:
        encoded = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        raise ValueError("must hold only JSON values (strings, numbers, booleans, null)") from None
    if len(encoded.encode()) > MAX_JSON_OBJECT_BYTES:
        raise ValueError(f"must be at most {MAX_JSON_OBJECT_BYTES // 1024} KiB as JSON")
    result: dict[str, Any] = json.loads(encoded)
    _check_json_values(result, "")
    return result


def _check_json_values(value: object, path: str) -> None:
    """Refuse what a store cannot keep or give back: NUL in text, numbers past 2**53 - 1."""
    if isinstance(value, str) and "\x00" in value:
        raise NestedValueError(path, _NUL_MESSAGE)
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and abs(value) > MAX_JSON_NUMBER
    ):
        raise NestedValueError(path, f"must be between -{MAX_JSON_NUMBER} and {MAX_JSON_NUMBER}")
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_json_values(item, f"{path}.{index}" if path else str(index))
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else key
            if "\x00" in key:
                raise NestedValueError(inner, _NUL_MESSAGE)
            _check_json_values(item, inner)


class NestedValueError(ValueError):
    """A bad value inside a list or object; ``path`` is relative to the field (``"3"``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
