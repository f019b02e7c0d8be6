"""The one error tree of Pauhu CRM.

Adapters translate their drivers' exceptions into these at the boundary, so the
core and the apps only ever see a ``CrmError``. HTTP status codes are mapped
from this tree in one place in the API app, never here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class CrmError(Exception):
    """Raised for every failure the CRM reports on purpose (the base of the tree)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(CrmError):
    """Raised when a record does not exist in the caller's workspace."""

    def __init__(self, resource: str, id: str) -> None:
        super().__init__(f"{resource} {id!r} was not found")
        self.resource = resource
        self.id = id


class Conflict(CrmError):
    """Raised when a write would break a uniqueness rule (a used e-mail, domain or id)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ValidationFailed(CrmError):
    """Raised when input breaks a field rule; ``details`` names every offending field."""

    def __init__(self, details: Iterable[Mapping[str, str]], message: str | None = None) -> None:
        self.details: list[dict[str, str]] = [dict(d) for d in details]
        if message is None:
            fields = ", ".join(d["field"] for d in self.details)
            message = f"invalid input: {fields}" if fields else "invalid input"
        super().__init__(message)

    @classmethod
    def single(cls, field: str, message: str) -> ValidationFailed:
        return cls([{"field": field, "message": message}])


class Unauthorized(CrmError):
    """Raised when a caller presents no credentials or unknown ones."""


class Forbidden(CrmError):
    """Raised when valid credentials do not grant access to the named workspace."""


class Unavailable(CrmError):
    """Raised when the store cannot be reached (the database is down or refusing connections)."""


class ProviderError(CrmError):
    """Raised when an outside provider (a mailer or a scorer) fails.

    ``permanent`` says that trying the same request again cannot help (the
    provider refused it); otherwise a later attempt may succeed.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
