"""Plain database URLs in, async-driver URLs out.

Settings and CI hand us the URLs people type (``sqlite:///crm.db``,
``postgresql://user@host/db``, Heroku-style ``postgres://``); SQLAlchemy's
async engine needs the driver named. Anything else is refused early with a
sentence instead of failing later inside a driver.
"""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


def async_url(url: str) -> str:
    """The async-driver form of ``url``; ``ValueError`` for a scheme we do not support."""
    try:
        parsed: URL = make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"not a database URL: {url!r}") from exc
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    if driver is None:
        supported = "sqlite:///path/to/file.db or postgresql://user@host/database"
        raise ValueError(f"unsupported database URL scheme {parsed.drivername!r}; use {supported}")
    if driver.startswith("sqlite") and parsed.database in (None, "", ":memory:"):
        # Every pooled connection would get its own empty in-memory database.
        raise ValueError("SQLite needs a file path (sqlite:///path/to/file.db), not memory")
    return parsed.set(drivername=driver).render_as_string(hide_password=False)
