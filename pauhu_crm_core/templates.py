"""Step templates: ``{{ first_name }}``-style placeholders, filled in and nothing else.

The syntax is the standard library's ``string.Template`` with ``{{ name }}``
delimiters, so rendering is substitution only: a template cannot call, loop
or evaluate anything. The placeholder set is fixed; a template that uses
another name (or a malformed ``{{``) is refused when the sequence is saved.
Values are plain text; the HTML alternative escapes them.
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Mapping

from .entities import Company, Contact

PLACEHOLDERS = frozenset(
    {
        "first_name",
        "last_name",
        "title",
        "email",
        "company.name",
        "company.domain",
        "unsubscribe_url",
    }
)


class StepTemplate(string.Template):
    # ``{{ name }}`` or ``{{ company.name }}``, spaces optional. A ``{{`` that does not
    # open a placeholder is ``invalid``: refused at save time, never rendered.
    flags = re.RegexFlag(0)  # names are lower-case; string.Template would ignore case
    # string.Template compiles a *string* pattern itself (typeshed types it as compiled).
    pattern = r"""
        \{\{\s*(?:
            (?P<named>[a-z_]+(?:\.[a-z_]+)?)\s*\}\}
          | (?P<braced>(?!))
          | (?P<escaped>(?!))
          | (?P<invalid>)
        )
    """  # type: ignore[assignment]


def template_problems(text: str) -> list[str]:
    """Why ``text`` cannot be a step template (empty when it can)."""
    template = StepTemplate(text)
    if not template.is_valid():
        return ["has a '{{' that does not open a placeholder like {{ first_name }}"]
    unknown = sorted(set(template.get_identifiers()) - PLACEHOLDERS)
    if unknown:
        allowed = ", ".join(f"{{{{ {name} }}}}" for name in sorted(PLACEHOLDERS))
        return [
            f"uses unknown placeholder {{{{ {name} }}}}; allowed: {allowed}" for name in unknown
        ]
    return []


def placeholder_values(
    contact: Contact, company: Company | None, unsubscribe_url: str
) -> dict[str, str]:
    """The text each placeholder stands for (empty when the contact lacks it)."""
    return {
        "first_name": contact.first_name or "",
        "last_name": contact.last_name or "",
        "title": contact.title or "",
        "email": contact.email or "",
        "company.name": company.name if company else "",
        "company.domain": (company.domain or "") if company else "",
        "unsubscribe_url": unsubscribe_url,
    }


def render_text(text: str, values: Mapping[str, str]) -> str:
    return StepTemplate(text).substitute(values)


def render_html(text: str, values: Mapping[str, str]) -> str:
    """The HTML alternative: the template and every value escaped, paragraphs kept,
    and the unsubscribe link clickable."""
    escaped = {name: html.escape(value) for name, value in values.items()}
    body = StepTemplate(html.escape(text, quote=False)).substitute(escaped)
    paragraphs = [p.replace("\n", "<br>\n") for p in re.split(r"\n\s*\n", body.strip())]
    link = escaped.get("unsubscribe_url", "")
    footer = f'<p style="font-size:small"><a href="{link}">Unsubscribe</a></p>' if link else ""
    return "".join(f"<p>{p}</p>\n" for p in paragraphs) + footer
