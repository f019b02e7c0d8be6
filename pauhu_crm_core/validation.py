"""Input validation: mappings from callers become typed commands, or field-level errors.

One private ``cattrs.Converter`` (never the global one) structures every
command. Constrained values are ``NewType``s whose hooks call the parsers in
``normalise``; cattrs' detailed validation collects every failure, and
``error_details`` flattens them into ``[{"field": "tags.3", "message": ...}]``.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any, NewType, TypeVar, Union, get_args, get_origin

import attrs
from cattrs import Converter
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError

from . import normalise
from .entities import ENUMS
from .errors import ValidationFailed

T = TypeVar("T")


@attrs.frozen
class _Unset:
    """The value of a field a partial update leaves alone."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
Unset = _Unset

# Constrained value types. Each is a NewType so a command's annotations say
# exactly what is accepted, and the converter knows which parser to call.
Text = NewType("Text", str)  # trimmed, at most 255 characters; blank clears the field
Name = NewType("Name", str)  # trimmed, at most 255 characters, never blank
LongText = NewType("LongText", str)  # trimmed, at most 100 000 characters
Body = NewType("Body", str)  # trimmed, at most 100 000 characters, never blank
Days = NewType("Days", int)  # 0-3650
Id = NewType("Id", str)
Email = NewType("Email", str)
Domain = NewType("Domain", str)
Url = NewType("Url", str)
Phone = NewType("Phone", str)
Country = NewType("Country", str)
Currency = NewType("Currency", str)
TimeZoneName = NewType("TimeZoneName", str)
Cents = NewType("Cents", int)  # given in currency units, stored as integer cents
Percent = NewType("Percent", int)  # 0-100
Tags = NewType("Tags", tuple[str, ...])
JsonObject = NewType("JsonObject", dict[str, Any])
Date = NewType("Date", date)
Timestamp = NewType("Timestamp", datetime)
# Query parameters also arrive as strings from a URL, so these accept "20" and "true".
QueryInt = NewType("QueryInt", int)
QueryBool = NewType("QueryBool", bool)


_QUERY_INT = re.compile(r"-?[0-9]{1,18}")


def _query_int(value: object) -> int:
    if isinstance(value, str) and _QUERY_INT.fullmatch(value):
        return int(value)
    return normalise.strict_int(value)


def _query_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise ValueError("must be true or false")


def _not_null(parse: Callable[[object], T]) -> Callable[[object, Any], T]:
    def hook(value: object, _type: Any) -> T:
        if value is None:
            raise ValueError("must not be null")
        return parse(value)

    return hook


_VALUE_PARSERS: dict[Any, Callable[[object], Any]] = {
    Text: normalise.text,
    Name: normalise.required_text,
    LongText: lambda v: normalise.text(v, max_length=normalise.MAX_BODY_LENGTH),
    Body: lambda v: normalise.required_text(v, max_length=normalise.MAX_BODY_LENGTH),
    Days: lambda v: normalise.int_in_range(v, 0, 3650),
    Id: normalise.entity_id,
    Email: normalise.email,
    Domain: normalise.domain,
    Url: normalise.http_url,
    Phone: normalise.phone,
    Country: normalise.country,
    Currency: normalise.currency,
    TimeZoneName: normalise.timezone_name,
    Cents: normalise.cents,
    Percent: lambda v: normalise.int_in_range(v, 0, 100),
    Tags: normalise.tags,
    JsonObject: normalise.json_object,
    Date: normalise.iso_date,
    Timestamp: normalise.utc_datetime,
    QueryInt: _query_int,
    QueryBool: _query_bool,
    int: normalise.strict_int,
    bool: normalise.strict_bool,
    str: normalise.require_str,
}


def _enum_hook(value: object, enum_type: type[Enum]) -> Enum:
    if value is None:
        raise ValueError("must not be null")
    try:
        return enum_type(value)
    except ValueError:
        choices = ", ".join(str(member.value) for member in enum_type)
        raise ValueError(f"must be one of: {choices}") from None


def _is(expected: Any) -> Callable[[Any], bool]:
    return lambda type_: type_ is expected


def _is_union_with_unset(type_: Any) -> bool:
    return get_origin(type_) in (Union, types.UnionType) and _Unset in get_args(type_)


def _make_converter() -> Converter:
    converter = Converter(forbid_extra_keys=True)
    for value_type, parse in _VALUE_PARSERS.items():
        if isinstance(value_type, type):
            # Plain classes go through cattrs' class dispatch, where its own lenient
            # ``bool``/``int``/``str`` hooks live; registering there replaces them.
            converter.register_structure_hook(value_type, _not_null(parse))
        else:
            converter.register_structure_hook_func(_is(value_type), _not_null(parse))
    # Per enum class, so that the ``str`` hook above never catches a StrEnum.
    for enum_type in ENUMS:
        converter.register_structure_hook(enum_type, _enum_hook)

    # A partial update's fields are ``X | Unset``: only present keys are
    # structured, as ``X`` (which may itself be ``Y | None``).
    def structure_without_unset(value: object, type_: Any) -> Any:
        rest = tuple(arg for arg in get_args(type_) if arg is not _Unset)
        target: Any = rest[0] if len(rest) == 1 else Union[rest]  # noqa: UP007
        return converter.structure(value, target)

    converter.register_structure_hook_func(_is_union_with_unset, structure_without_unset)
    return converter


_converter = _make_converter()


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def error_details(exc: BaseException, path: str = "") -> list[dict[str, str]]:
    """Flatten a cattrs error tree into ``[{"field": dotted.path, "message": ...}]``."""
    if isinstance(exc, ClassValidationError):
        with_notes, without_notes = exc.group_exceptions()
        details = [
            d for sub, note in with_notes for d in error_details(sub, _join(path, note.name))
        ]
        return details + [d for sub in without_notes for d in error_details(sub, path)]
    if isinstance(exc, IterableValidationError):
        with_index, others = exc.group_exceptions()
        details = [
            d for sub, n in with_index for d in error_details(sub, _join(path, str(n.index)))
        ]
        return details + [d for sub in others for d in error_details(sub, path)]
    if isinstance(exc, ForbiddenExtraKeysError):
        return [
            {"field": _join(path, key), "message": "is not a known field"}
            for key in sorted(exc.extra_fields)
        ]
    if isinstance(exc, normalise.NestedValueError):
        return [{"field": _join(path, exc.path), "message": exc.message}]
    if isinstance(exc, KeyError):
        return [{"field": path, "message": "is required"}]
    return [{"field": path or "(body)", "message": str(exc)}]


def structure(
    data: Mapping[str, Any] | None,
    command_type: type[T],
    *,
    read_only: frozenset[str] = frozenset(),
) -> T:
    """Turn caller input into a command, or raise ``ValidationFailed`` naming every bad field."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ValidationFailed.single("(body)", "must be a JSON object")
    details = [
        {"field": key, "message": "is read-only"} for key in sorted(read_only) if key in data
    ]
    writable = {key: value for key, value in data.items() if key not in read_only}
    try:
        command = _converter.structure(writable, command_type)
    except (ClassValidationError, ForbiddenExtraKeysError) as exc:
        details += error_details(exc)
        command = None
    if details:
        raise ValidationFailed(details)
    assert command is not None
    return command


def provided_fields(command: Any) -> dict[str, Any]:
    """The fields a partial update actually sets (everything not ``UNSET``)."""
    return {
        field.name: value
        for field in attrs.fields(type(command))
        if (value := getattr(command, field.name)) is not UNSET
    }


def parse_value(value: object, value_type: Any, field: str) -> Any:
    """Parse one value outside a command (e.g. a path parameter)."""
    try:
        return _converter.structure(value, value_type)
    except (ValueError, TypeError) as exc:
        raise ValidationFailed.single(field, str(exc)) from None
