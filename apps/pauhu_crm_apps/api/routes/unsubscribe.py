"""``/unsubscribe?token=…``: the link in every sequence e-mail. No workspace header: the
signed token says whose contact it is.

``GET`` shows a confirmation page with one button (so that mail scanners that
follow links do not unsubscribe anyone); ``POST`` — the button, or a mail
client's RFC 8058 one-click request with the body ``List-Unsubscribe=One-Click``
— unsubscribes. The answer is the same whether or not the contact still
exists, so a link reveals nothing.
"""

from __future__ import annotations

import html
from string import Template

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from pauhu_crm_core import ValidationFailed

from ..inputs import app_crm

PAGE = Template(
    """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>$title</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto;">
<h1>$title</h1>
$content
</body>
</html>
"""
)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def page(title: str, content: str, status: int = 200) -> Response:
    body = PAGE.substitute(title=html.escape(title), content=content)
    return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)


def invalid_link() -> Response:
    return page(
        "This unsubscribe link is not valid",
        "<p>Please use the link from the e-mail exactly as it was sent.</p>",
        status=400,
    )


async def confirm_page(request: Request) -> Response:
    try:
        await app_crm(request).check_unsubscribe_token(request.query_params.get("token", ""))
    except ValidationFailed:
        return invalid_link()
    return page(
        "Unsubscribe from Pauhu e-mails?",
        '<form method="post">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Unsubscribe</button></form>',
    )


async def unsubscribe(request: Request) -> Response:
    try:
        await app_crm(request).unsubscribe(request.query_params.get("token", ""))
    except ValidationFailed:
        return invalid_link()
    return page("You are unsubscribed", "<p>You will not receive these e-mails any more.</p>")


routes = [
    Route("/unsubscribe", confirm_page, methods=["GET"], name="unsubscribe_page"),
    Route("/unsubscribe", unsubscribe, methods=["POST"], name="unsubscribe"),
]
