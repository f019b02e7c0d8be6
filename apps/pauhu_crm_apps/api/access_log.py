"""Secrets in URLs stay out of the access log.

The unsubscribe link carries its signed token in the query string
(``/unsubscribe?token=…``, API.md §7), and uvicorn's access log writes each
request's path with its query string. Whoever reads the log could then
unsubscribe the recipient, so the value of every sensitive query parameter
is replaced before the line is written. The app installs the filter when it
starts (``create_app``'s lifespan), so ``pauhu-crm serve``, ``uvicorn
--factory`` and a host that mounts the app are all covered. A proxy in front
keeps its own access log: configure it not to log query strings.
"""

from __future__ import annotations

import logging
import re

ACCESS_LOGGER = "uvicorn.access"
REDACTED = "[redacted]"
_SENSITIVE_PARAMETER = re.compile(
    r"([?&](?:token|key|api_key|secret|password)=)[^&#\s]*", re.IGNORECASE
)


def redact_url(text: str) -> str:
    """``/unsubscribe?token=abc&x=1`` → ``/unsubscribe?token=[redacted]&x=1``."""
    return _SENSITIVE_PARAMETER.sub(rf"\g<1>{REDACTED}", text)


class RedactQueryFilter(logging.Filter):
    """Rewrites the string arguments of a log record (uvicorn passes the path as one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_url(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        elif isinstance(record.msg, str):
            record.msg = redact_url(record.msg)
        return True


def redact_access_log(logger_name: str = ACCESS_LOGGER) -> None:
    """Install ``RedactQueryFilter`` on the access logger, once."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(existing, RedactQueryFilter) for existing in logger.filters):
        logger.addFilter(RedactQueryFilter())
