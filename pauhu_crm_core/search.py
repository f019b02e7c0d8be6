"""Search keys: the one normal form that search terms and searched text share.

Both sides go through ``search_key`` (Unicode NFKC and case folding), so a
match is a plain substring test that every store can index: ``äijä`` finds
``Äijälä`` and ``OLA`` finds ``Nikola``. Stores must treat the key as data
(``%`` and ``_`` are ordinary characters).
"""

from __future__ import annotations

import unicodedata

from .entities import Company, Contact

FIELD_SEPARATOR = "\n"
"""Joins the searched fields, so that a term never matches across two of them."""


def search_key(text: str) -> str:
    """Fold ``text`` for caseless, normalisation-insensitive substring matching."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return unicodedata.normalize("NFKC", folded)


def search_term(q: str | None) -> str | None:
    """The key of a user's search term, or ``None`` when there is nothing to search for."""
    if q is None:
        return None
    term = search_key(" ".join(q.split()))
    return term or None


def contact_search_text(contact: Contact) -> str:
    """E-mail and "first last" of a contact (so either name alone matches too), as one key."""
    parts = [contact.email or "", contact.full_name]
    return FIELD_SEPARATOR.join(search_key(" ".join(p.split())) for p in parts)


def company_search_text(company: Company) -> str:
    """Name and domain of a company, as one key."""
    parts = [company.name, company.domain or ""]
    return FIELD_SEPARATOR.join(search_key(" ".join(p.split())) for p in parts)
