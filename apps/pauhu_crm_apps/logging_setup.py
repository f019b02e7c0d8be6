"""How the apps log: plain text, or one JSON object a line, each with its request id.

``pauhu-crm serve``, ``pauhu-crm scheduler`` and ``pauhu-crm run`` configure logging
from the settings (``log_level``, ``log_format``): uvicorn's loggers and the CRM's own
(``pauhu_crm.*``, ``pauhu_crm_core``, ``pauhu_crm_adapters``, ``pauhu_crm_apps``)
at the same level. In ``json`` every line is one object::

    {"time": "2026-11-28T23:50:01.123Z", "level": "INFO", "logger": "uvicorn.access",
     "message": "127.0.0.1:50712 - \\"GET /v1/crm/contacts HTTP/1.1\\" 200",
     "request_id": "5f0c…"}

with ``exception`` (the formatted traceback) when there is one, and on uvicorn's
access lines ``client``, ``method``, ``path`` (sensitive query values redacted)
and ``status`` as fields of their own. The request id
is the one the response's ``X-Request-ID`` header carries: the outermost
middleware puts it in ``current_request_id`` for the time of the request, and
whatever logs meanwhile — a route, the core, uvicorn's access log — gets it.

An app embedded in another keeps the host's logging: nothing here runs at
import time or from ``create_app``.
"""

from __future__ import annotations

import logging
import logging.config
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

from .settings import LOG_FORMATS

current_request_id: ContextVar[str | None] = ContextVar("pauhu_crm_request_id", default=None)
"""The id of the HTTP request being answered in this context, if any."""

CRM_LOGGERS = ("pauhu_crm", "pauhu_crm_core", "pauhu_crm_adapters", "pauhu_crm_apps")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
ACCESS_LOGGER = "uvicorn.access"


class JsonFormatter(logging.Formatter):
    """One JSON object per record (orjson): time, level, logger, message, request id."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _utc_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id.get()
        if request_id is not None:
            entry["request_id"] = request_id
        if record.name == ACCESS_LOGGER and isinstance(record.args, tuple):
            entry.update(_access_fields(record.args))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(entry, default=str).decode()


def _access_fields(args: tuple[object, ...]) -> dict[str, object]:
    """uvicorn's access line as fields: its arguments are (client, method, path with query
    (already redacted by the access log's filter), HTTP version, status)."""
    if len(args) != 5:
        return {}
    client, method, path, _version, status = args
    return {"client": client, "method": method, "path": path, "status": status}


def _utc_time(created: float) -> str:
    """``2026-11-28T23:50:01.123Z``: UTC, milliseconds."""
    moment = datetime.fromtimestamp(created, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def logging_config(level: str, log_format: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn's loggers and the CRM's, at ``level``.

    In ``text`` uvicorn keeps its own look and the CRM's loggers write
    ``time LEVEL logger message``; in ``json`` all of them write JSON lines.
    """
    from uvicorn.config import LOGGING_CONFIG

    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}")
    level = level.upper()
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            **LOGGING_CONFIG["formatters"],
            "crm_text": {"format": TEXT_FORMAT},
            "json": {"()": f"{__name__}.JsonFormatter"},
        },
        "handlers": {
            **LOGGING_CONFIG["handlers"],
            "crm": {
                "formatter": "crm_text" if log_format == "text" else "json",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            **{name: dict(value) for name, value in LOGGING_CONFIG["loggers"].items()},
            **{
                name: {"handlers": ["crm"], "level": level, "propagate": False}
                for name in CRM_LOGGERS
            },
        },
    }
    if log_format == "json":
        for handler in ("default", "access"):
            config["handlers"][handler] = {**config["handlers"][handler], "formatter": "json"}
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        config["loggers"][name]["level"] = level
    return config


def configure_logging(level: str, log_format: str) -> None:
    """Apply ``logging_config`` to this process (``scheduler``, ``run``; ``serve`` hands it
    to uvicorn)."""
    logging.config.dictConfig(logging_config(level, log_format))
