"""``mailer_from_url``: one setting (``PAUHU_CRM_MAIL_URL``, say) picks and configures the mailer.

The forms::

    outbox:                                       keep messages in the store, send nothing
    smtp://[user:password@]host[:port][?security=starttls|none][&timeout=30]
                                                  STARTTLS by default; port 587, or 25 for none
    smtps://[user:password@]host[:port][?timeout=30]
                                                  TLS from the first byte; port 465
    brevo://<api-key>@api.brevo.com[/v3]          Brevo's HTTP API; the path defaults to /v3

User names, passwords and API keys are percent-decoded (write ``@`` as
``%40``). Error messages never repeat the URL, which holds secrets. The SMTP
and Brevo mailers are imported only when asked for, so ``outbox:`` needs
neither aiosmtplib nor httpx installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

from pauhu_crm_core.ports import Clock, Mailer, Store

if TYPE_CHECKING:
    import httpx

SCHEMES = ("outbox", "smtp", "smtps", "brevo")
_DEFAULT_SMTP_PORTS = {"starttls": 587, "tls": 465, "none": 25}


def mailer_from_url(
    url: str, *, store: Store, clock: Clock, client: httpx.AsyncClient | None = None
) -> Mailer:
    """The mailer a URL describes. ``client`` is used by ``brevo://`` (and then left open
    for its owner to close); without one, the mailer makes its own and closes it in
    ``aclose``."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "outbox":
        return _outbox(parts, store, clock)
    if scheme in ("smtp", "smtps"):
        return _smtp(parts, scheme, clock)
    if scheme == "brevo":
        return _brevo(parts, client)
    raise ValueError(
        f"unknown mailer URL scheme {scheme!r}: use outbox:, smtp://, smtps:// or brevo://"
    )


def _query(parts: SplitResult, allowed: frozenset[str]) -> dict[str, str]:
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    names = [name for name, _ in pairs]
    for name in names:
        if name not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise ValueError(f"unknown mailer URL parameter {name!r} (known: {known})")
        if names.count(name) > 1:
            raise ValueError(f"mailer URL parameter {name!r} is given twice")
    return dict(pairs)


def _port(parts: SplitResult) -> int | None:
    try:
        return parts.port
    except ValueError:
        raise ValueError("the mailer URL's port is not a number from 0 to 65535") from None


def _outbox(parts: SplitResult, store: Store, clock: Clock) -> Mailer:
    from .outbox import OutboxMailer

    if parts.netloc or parts.path or parts.query or parts.fragment:
        raise ValueError("the outbox mailer URL takes nothing after 'outbox:'")
    return OutboxMailer(store, clock)


def _smtp(parts: SplitResult, scheme: str, clock: Clock) -> Mailer:
    from .smtp import SECURITY_MODES, SmtpMailer

    query = _query(parts, frozenset({"security", "timeout"}))
    if not parts.hostname:
        raise ValueError(f"the {scheme}:// mailer URL needs a host")
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError(f"the {scheme}:// mailer URL takes no path")
    security = query.get("security", "tls" if scheme == "smtps" else "starttls")
    if scheme == "smtps" and security != "tls":
        raise ValueError("smtps:// is always TLS; use smtp:// with ?security=... for the others")
    for mode in SECURITY_MODES:
        if security == mode:
            break
    else:
        raise ValueError(f"security must be one of {', '.join(SECURITY_MODES)}")
    try:
        timeout = float(query.get("timeout", "30"))
    except ValueError:
        raise ValueError("timeout must be a number of seconds") from None
    if not timeout > 0:
        raise ValueError("timeout must be a positive number of seconds")
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    if (username is None) != (password is None):
        raise ValueError("the mailer URL needs both a user name and a password, or neither")
    port = _port(parts)
    return SmtpMailer(
        parts.hostname,
        port if port is not None else _DEFAULT_SMTP_PORTS[mode],
        username=username,
        password=password,
        security=mode,
        timeout=timeout,
        clock=clock,
    )


def _brevo(parts: SplitResult, client: httpx.AsyncClient | None) -> Mailer:
    import httpx

    from .http import BrevoMailer

    _query(parts, frozenset())
    if not parts.username or parts.password is not None:
        raise ValueError("the brevo:// mailer URL needs the API key as its user: brevo://KEY@host")
    if not parts.hostname:
        raise ValueError("the brevo:// mailer URL needs a host (api.brevo.com)")
    if parts.fragment:
        raise ValueError("the brevo:// mailer URL takes no fragment")
    port = _port(parts)
    host = parts.hostname if port is None else f"{parts.hostname}:{port}"
    path = parts.path.rstrip("/") or "/v3"
    base_url = f"https://{host}{path}"
    api_key = unquote(parts.username)
    if client is not None:
        return BrevoMailer(api_key, client=client, base_url=base_url)
    return BrevoMailer(
        api_key, client=httpx.AsyncClient(timeout=30), base_url=base_url, close_client=True
    )
