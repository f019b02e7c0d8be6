"""The mail checks parse a plain ``local@domain`` without ``email.headerregistry`` (it is
slow, and the engine checks every message); the result must be what parsing gives."""

from __future__ import annotations

from email.headerregistry import Address

from hypothesis import given
from hypothesis import strategies as st

from pauhu_crm_adapters.mail.message import _PLAIN_ADDRESS, POLICY, _single_address

ATOM = st.text("abcXYZ019_%+-", min_size=1, max_size=6)
LABEL = st.text("abcXYZ019-", min_size=1, max_size=6)


def parsed(value: str) -> Address:
    header = POLICY.header_factory("To", value)
    [address] = header.addresses
    assert not header.defects
    return address


@given(
    local=st.lists(ATOM, min_size=1, max_size=3).map(".".join),
    domain=st.lists(LABEL, min_size=2, max_size=4).map(".".join),
)
def test_a_plain_address_is_what_the_header_parser_makes_of_it(local: str, domain: str) -> None:
    value = f"{local}@{domain}"
    assert _PLAIN_ADDRESS.fullmatch(value)

    fast = _single_address("To", value)

    slow = parsed(value)
    assert (fast.display_name, fast.username, fast.domain) == (
        slow.display_name,
        slow.username,
        slow.domain,
    )
    assert str(fast) == str(slow)


def test_anything_else_still_goes_through_the_parser() -> None:
    for value in ("Äijälä Örö <aijala@example.fi>", '"a b"@example.fi', "a..b@example.fi"):
        assert not _PLAIN_ADDRESS.fullmatch(value)
    assert _single_address("To", "Sanna <sanna@dvv.fi>").display_name == "Sanna"
