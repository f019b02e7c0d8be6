"""Value parsers: each turns one input value into its stored form or raises ``ValueError``."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import assume, given, reject
from hypothesis import strategies as st

from pauhu_crm_core import normalise
from pauhu_crm_core.normalise import (
    MAX_AMOUNT_CENTS,
    MAX_JSON_OBJECT_BYTES,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    NestedValueError,
)

# -- e-mail


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        pytest.param("Sanna@DVV.fi", "sanna@dvv.fi", id="lower-cased"),
        pytest.param("  sanna@dvv.fi \n", "sanna@dvv.fi", id="trimmed"),
        pytest.param("first.last+crm@sub.example.eu", "first.last+crm@sub.example.eu", id="plus"),
        pytest.param("sanna@dvv.fi.", "sanna@dvv.fi", id="trailing-dot-of-domain-dropped"),
        pytest.param("jyrki@MÜNCHEN.de", "jyrki@münchen.de", id="unicode-domain"),
    ],
)
def test_email_is_stored_trimmed_and_lower_cased(raw: str, stored: str) -> None:
    assert normalise.email(raw) == stored


@pytest.mark.parametrize("raw", [pytest.param("", id="empty"), pytest.param(" \t ", id="blank")])
def test_blank_email_clears_the_field(raw: str) -> None:
    assert normalise.email(raw) is None


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("sanna.dvv.fi", id="no-at"),
        pytest.param("sanna virtanen@dvv.fi", id="space-in-local-part"),
        pytest.param("sanna@dvv fi.eu", id="space-in-domain"),
        pytest.param("sanna@dvv", id="no-dot-in-domain"),
        pytest.param("sanna@@dvv.fi", id="two-ats"),
        pytest.param("@dvv.fi", id="empty-local-part"),
        pytest.param("sanna@", id="empty-domain"),
        pytest.param("san..na@dvv.fi", id="double-dot-in-local-part"),
        pytest.param(".sanna@dvv.fi", id="local-part-starts-with-dot"),
        pytest.param("sanna.@dvv.fi", id="local-part-ends-with-dot"),
        pytest.param("sanna@dvv..fi", id="empty-domain-label"),
        pytest.param("sanna@-dvv.fi", id="label-starts-with-hyphen"),
        pytest.param("sanna@dvv_x.fi", id="underscore-in-domain"),
        pytest.param("sanna@1.2.3.4", id="ip-address"),
        pytest.param("sanna@dvv.fi/x", id="path-after-domain"),
    ],
)
def test_implausible_email_is_rejected(raw: str) -> None:
    with pytest.raises(ValueError, match="e-mail address"):
        normalise.email(raw)


def test_email_over_320_characters_is_rejected() -> None:
    with pytest.raises(ValueError, match="at most 320 characters"):
        normalise.email("a" * 64 + "@" + "b" * 260 + ".fi")


@pytest.mark.parametrize("raw", [pytest.param(5, id="number"), pytest.param(None, id="null")])
def test_email_must_be_a_string(raw: object) -> None:
    with pytest.raises(ValueError, match="must be a string"):
        normalise.email(raw)


_LOCAL_CHARS = st.sampled_from("abcxyzABCXYZ019.+-_äöÅÉ")
_LABEL_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789äöüÄÖÜ"
_labels = st.text(st.sampled_from(_LABEL_CHARS), min_size=1, max_size=12)
_tlds = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzFIEU"), min_size=2, max_size=4)
_domains = st.builds(
    lambda labels, tld: ".".join([*labels, tld]), st.lists(_labels, min_size=1, max_size=3), _tlds
)
_addresses = st.one_of(
    st.emails(),
    st.builds(
        lambda local, host, pad: f"{pad}{local}@{host}{pad}",
        st.text(_LOCAL_CHARS, min_size=1, max_size=20),
        _domains,
        st.sampled_from(["", " ", "\t", " \n"]),
    ),
)


@given(_addresses)
def test_every_accepted_email_is_a_lower_case_fixed_point(raw: str) -> None:
    try:
        stored = normalise.email(raw)
    except ValueError:
        reject()
    assert stored is not None
    assert stored == stored.lower()
    assert normalise.email(stored) == stored


# -- domains


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        pytest.param("https://www.DVV.fi/path", "dvv.fi", id="url-with-www-and-path"),
        pytest.param("dvv.fi.", "dvv.fi", id="trailing-dot"),
        pytest.param("WWW.dvv.fi:8080", "dvv.fi", id="upper-www-and-port"),
        pytest.param("http://user@dvv.fi/?q=1#top", "dvv.fi", id="userinfo-query-fragment"),
        pytest.param("sub.dvv.fi", "sub.dvv.fi", id="subdomain-kept"),
        pytest.param("münchen.de", "münchen.de", id="unicode"),
        pytest.param(
            unicodedata.normalize("NFD", "münchen.de"), "münchen.de", id="decomposed-unicode"
        ),
        pytest.param("ｄｖｖ.fi", "dvv.fi", id="full-width-letters"),
        pytest.param("www.fi", "www.fi", id="www-is-the-domain-itself"),
        pytest.param("www.www.dvv.fi", "dvv.fi", id="every-leading-www"),
        pytest.param("ｗｗｗ.dvv.fi", "dvv.fi", id="full-width-www"),
    ],
)
def test_domain_is_normalised_to_the_bare_host(raw: str, stored: str) -> None:
    assert normalise.domain(raw) == stored


@pytest.mark.parametrize("raw", [pytest.param("", id="empty"), pytest.param("  ", id="blank")])
def test_blank_domain_clears_the_field(raw: str) -> None:
    assert normalise.domain(raw) is None


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("localhost", id="single-label"),
        pytest.param("1.2.3.4", id="numeric-top-level-label"),
        pytest.param("example.123", id="numeric-tld"),
        pytest.param("-bad-.fi", id="hyphen-at-label-edges"),
        pytest.param("dvv..fi", id="empty-label"),
        pytest.param("dvv_x.fi", id="underscore"),
        pytest.param("exa mple.fi", id="space"),
        pytest.param("https://", id="scheme-only"),
        pytest.param("http://[::1]/", id="ipv6-literal"),
        pytest.param("a" * 64 + ".fi", id="label-over-63"),
    ],
)
def test_non_domain_is_rejected(raw: str) -> None:
    with pytest.raises(ValueError, match="domain name"):
        normalise.domain(raw)


@given(
    domain=_domains,
    scheme=st.sampled_from(["", "http://", "https://", "HTTPS://"]),
    www=st.sampled_from(["", "www.", "WWW."]),
    port=st.sampled_from(["", ":8080"]),
    path=st.sampled_from(["", "/", "/path", "/a/b?q=1", "#top"]),
)
def test_domain_strips_scheme_www_port_and_path_around_a_valid_domain(
    domain: str, scheme: str, www: str, port: str, path: str
) -> None:
    assume(not domain.lower().startswith("www."))
    bare = normalise.domain(domain)
    assert bare == domain.lower()
    assert normalise.domain(f"{scheme}{www}{domain}{port}{path}") == bare


_messy_domains = st.builds(
    "".join,
    st.lists(
        st.one_of(_labels, st.sampled_from([".", "www.", "ｗｗｗ.", "-", ":80", "/", "//", "."])),
        min_size=1,
        max_size=8,
    ),
)


@given(st.one_of(_domains, _messy_domains))
def test_domain_is_idempotent_on_its_output(raw: str) -> None:
    try:
        stored = normalise.domain(raw)
    except ValueError:
        reject()
    assume(stored is not None)
    assert normalise.domain(stored) == stored


# -- URLs and phones


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        pytest.param("https://pauhu.eu", "https://pauhu.eu", id="https"),
        pytest.param("http://pauhu.eu/a?b=1", "http://pauhu.eu/a?b=1", id="http-with-query"),
        pytest.param("  https://x.fi/dvv  ", "https://x.fi/dvv", id="trimmed"),
    ],
)
def test_http_url_is_accepted(raw: str, stored: str) -> None:
    assert normalise.http_url(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("ftp://pauhu.eu", id="ftp"),
        pytest.param("pauhu.eu", id="no-scheme"),
        pytest.param("javascript:alert(1)", id="javascript"),
        pytest.param("https://", id="no-host"),
        pytest.param("https://x.fi/a b", id="space"),
        pytest.param("https://x.fi/\nSet-Cookie:a=b", id="newline"),
        pytest.param("https://x.fi/\ta", id="tab"),
        pytest.param("https://x.fi/\x00", id="control-character"),
        pytest.param("https://x.fi/" + "a" * 2048, id="over-2048"),
    ],
)
def test_non_http_url_is_rejected(raw: str) -> None:
    with pytest.raises(ValueError, match="must be"):
        normalise.http_url(raw)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        pytest.param("+358 40 123 4567", "+358 40 123 4567", id="international"),
        pytest.param("040-123 4567", "040-123 4567", id="national"),
        pytest.param(" +358  40\t123 4567 ", "+358 40 123 4567", id="whitespace-collapsed"),
        pytest.param("+1 (555) 010-9999 ext. 12", "+1 (555) 010-9999 ext. 12", id="extension"),
    ],
)
def test_phone_is_accepted_with_whitespace_collapsed(raw: str, stored: str) -> None:
    assert normalise.phone(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("call me", id="words"),
        pytest.param("12", id="too-short"),
        pytest.param("()-()", id="no-digits"),
        pytest.param("+358 40 123; DROP", id="trailing-junk"),
    ],
)
def test_non_phone_is_rejected(raw: str) -> None:
    with pytest.raises(ValueError, match="phone number"):
        normalise.phone(raw)


# -- codes


@pytest.mark.parametrize(
    ("raw", "stored"),
    [pytest.param("fi", "FI", id="lower"), pytest.param(" se ", "SE", id="padded")],
)
def test_country_is_an_upper_case_alpha_2_code(raw: str, stored: str) -> None:
    assert normalise.country(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("XX", id="unassigned"),
        pytest.param("FIN", id="alpha-3"),
        pytest.param("Finland", id="name"),
        pytest.param("F", id="one-letter"),
    ],
)
def test_unknown_country_code_is_rejected(raw: str) -> None:
    with pytest.raises(ValueError, match="ISO 3166-1"):
        normalise.country(raw)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [pytest.param("eur", "EUR", id="lower"), pytest.param(" SEK ", "SEK", id="padded")],
)
def test_currency_is_an_upper_case_iso_4217_code(raw: str, stored: str) -> None:
    assert normalise.currency(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("EURO", id="four-letters"),
        pytest.param("XYZ", id="unassigned"),
        pytest.param("€", id="symbol"),
        pytest.param("", id="empty"),
    ],
)
def test_unknown_currency_is_rejected(raw: str) -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        normalise.currency(raw)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        pytest.param("Europe/Helsinki", "Europe/Helsinki", id="helsinki"),
        pytest.param(" Europe/Stockholm ", "Europe/Stockholm", id="padded"),
        pytest.param("UTC", "UTC", id="utc"),
    ],
)
def test_iana_time_zone_is_accepted(raw: str, stored: str) -> None:
    assert normalise.timezone_name(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("Mars/Olympus", id="unknown"),
        pytest.param("", id="empty"),
        pytest.param("../../etc/passwd", id="path"),
        pytest.param("+02:00", id="offset"),
    ],
)
def test_unknown_time_zone_is_rejected(raw: str) -> None:
    with pytest.raises(ValueError, match="IANA time zone"):
        normalise.timezone_name(raw)


# -- numbers


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        pytest.param(85, 85, id="int"),
        pytest.param(85.0, 85, id="whole-float"),
        pytest.param(Decimal("85.00"), 85, id="whole-decimal"),
        pytest.param(-3, -3, id="negative"),
    ],
)
def test_strict_int_accepts_whole_json_numbers(raw: object, number: int) -> None:
    result = normalise.strict_int(raw)
    assert result == number
    assert type(result) is int


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(True, id="true"),
        pytest.param(False, id="false"),
        pytest.param("5", id="string"),
        pytest.param(5.5, id="fraction"),
        pytest.param(float("nan"), id="nan"),
        pytest.param(float("inf"), id="infinity"),
        pytest.param(None, id="null"),
        pytest.param([5], id="array"),
    ],
)
def test_strict_int_rejects_anything_but_a_whole_number(raw: object) -> None:
    with pytest.raises(ValueError, match="must be"):
        normalise.strict_int(raw)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        pytest.param(0.1, 10, id="float-0.1"),
        pytest.param(150000, 15000000, id="whole-euros"),
        pytest.param("0.1", 10, id="string"),
        pytest.param(Decimal("12.30"), 1230, id="decimal"),
        pytest.param(0, 0, id="zero"),
        pytest.param(0.01, 1, id="one-cent"),
        pytest.param("999999999999.99", MAX_AMOUNT_CENTS, id="largest"),
    ],
)
def test_amount_is_stored_as_exact_cents(raw: object, stored: int) -> None:
    assert normalise.cents(raw) == stored


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param("0.001", "exact to the cent", id="tenth-of-a-cent"),
        pytest.param(0.001, "exact to the cent", id="float-tenth-of-a-cent"),
        pytest.param(
            "1.0000000000000000000000000000001", "exact to the cent", id="beyond-28-digits"
        ),
        pytest.param("1e-999999999", "exact to the cent", id="tiny-exponent"),
        pytest.param(-1, "negative", id="negative"),
        pytest.param("-0.01", "negative", id="negative-cent"),
        pytest.param(float("nan"), "finite", id="nan"),
        pytest.param(float("inf"), "finite", id="infinity"),
        pytest.param("Infinity", "finite", id="string-infinity"),
        pytest.param(True, "number", id="boolean"),
        pytest.param(None, "number", id="null"),
        pytest.param("ten", "number", id="words"),
        pytest.param(10**12, "too large", id="a-trillion"),
        pytest.param("1e999999999", "too large", id="huge-exponent"),
    ],
)
def test_bad_amount_is_rejected(raw: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalise.cents(raw)


def test_point_one_plus_point_two_totals_point_three() -> None:
    assert normalise.cents(0.1) + normalise.cents(0.2) == normalise.cents(0.3)


@given(st.integers(min_value=0, max_value=MAX_AMOUNT_CENTS))
def test_decimal_amount_round_trips_to_its_cents(n: int) -> None:
    assert normalise.cents(Decimal(n).scaleb(-2)) == n


@given(st.integers(min_value=0, max_value=MAX_AMOUNT_CENTS))
def test_float_amount_of_at_most_15_digits_is_exact_to_the_cent(n: int) -> None:
    # Every n here has at most 14 digits, so n / 100 is the double nearest the cent amount.
    assert normalise.cents(n / 100) == n


# -- dates and times


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        pytest.param("2026-09-01", date(2026, 9, 1), id="iso"),
        pytest.param(" 2026-09-01 ", date(2026, 9, 1), id="padded"),
        pytest.param("2028-02-29", date(2028, 2, 29), id="leap-day"),
        pytest.param(date(2026, 9, 1), date(2026, 9, 1), id="date-object"),
    ],
)
def test_iso_date_is_accepted(raw: object, stored: date) -> None:
    assert normalise.iso_date(raw) == stored


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param("2026-02-30", "not a real calendar date", id="february-30"),
        pytest.param("2027-02-29", "not a real calendar date", id="no-leap-day"),
        pytest.param("20260901", "like 2026-09-01", id="basic-format"),
        pytest.param("2026-9-1", "like 2026-09-01", id="unpadded"),
        pytest.param("2026-09-01T00:00:00Z", "like 2026-09-01", id="date-time-string"),
        pytest.param("٢٠٢٦-٠٩-٠١", "like 2026-09-01", id="non-ascii-digits"),
        pytest.param(datetime(2026, 9, 1, tzinfo=UTC), "not a date and time", id="datetime"),
        pytest.param(20260901, "must be a string", id="number"),
    ],
)
def test_non_date_is_rejected(raw: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalise.iso_date(raw)


_TEN_UTC = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("2026-03-07T10:00:00Z", id="z"),
        pytest.param("2026-03-07T12:00:00+02:00", id="offset-string"),
        pytest.param("2026-03-07T05:00:00-05:00", id="negative-offset"),
        pytest.param(datetime(2026, 3, 7, 12, 0, tzinfo=timezone(timedelta(hours=2))), id="aware"),
    ],
)
def test_timestamp_is_converted_to_utc(raw: object) -> None:
    moment = normalise.utc_datetime(raw)
    assert moment == _TEN_UTC
    assert moment.utcoffset() == timedelta(0)
    assert moment.hour == 10


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param("2026-03-07T10:00:00", "time zone", id="naive-string"),
        pytest.param(datetime(2026, 3, 7, 10, 0), "time zone", id="naive-datetime"),
        pytest.param("2026-03-07", "date and time", id="date-only"),
        pytest.param("2026-03-07T25:00:00Z", "date and time", id="hour-25"),
        pytest.param(1772877600, "must be a string", id="epoch-seconds"),
    ],
)
def test_non_timestamp_is_rejected(raw: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalise.utc_datetime(raw)


# -- tags and JSON objects


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        pytest.param(["vip", " vip ", "eu", "vip"], ("vip", "eu"), id="trimmed-duplicates"),
        pytest.param(["b", "a", "b", "c"], ("b", "a", "c"), id="first-occurrence-order"),
        pytest.param(["EU", "Public Sector"], ("EU", "Public Sector"), id="case-kept"),
        pytest.param(("eu",), ("eu",), id="tuple"),
        pytest.param([], (), id="empty"),
    ],
)
def test_tags_are_trimmed_and_deduplicated_keeping_order(
    raw: list[str], stored: tuple[str]
) -> None:
    assert normalise.tags(raw) == stored


def test_fifty_tags_are_accepted() -> None:
    assert len(normalise.tags([f"t{i}" for i in range(MAX_TAGS)])) == MAX_TAGS


def test_more_than_fifty_tags_are_rejected() -> None:
    with pytest.raises(ValueError, match="at most 50 tags"):
        normalise.tags([f"t{i}" for i in range(MAX_TAGS + 1)])


def test_tag_of_64_characters_is_accepted() -> None:
    assert normalise.tags(["x" * MAX_TAG_LENGTH]) == ("x" * MAX_TAG_LENGTH,)


@pytest.mark.parametrize(
    ("raw", "path", "message"),
    [
        pytest.param(["a", "b", "c", ""], "3", "must not be blank", id="blank"),
        pytest.param(["a", 5], "1", "must be a string", id="number"),
        pytest.param([None], "0", "must be a string", id="null"),
        pytest.param(["a", "x" * (MAX_TAG_LENGTH + 1)], "1", "at most 64", id="too-long"),
    ],
)
def test_bad_tag_is_reported_with_its_index(raw: list[object], path: str, message: str) -> None:
    with pytest.raises(NestedValueError, match=message) as caught:
        normalise.tags(raw)
    assert caught.value.path == path


def test_tags_must_be_an_array() -> None:
    with pytest.raises(ValueError, match="array"):
        normalise.tags("vip")


def test_json_object_is_kept_as_its_json_value() -> None:
    value = {"segment": "public", "seats": 12, "nested": {"ok": [True, None, 1.5]}}
    assert normalise.json_object(value) == value


def test_json_object_of_exactly_16_kib_is_accepted() -> None:
    overhead = len(json.dumps({"k": ""}, separators=(",", ":")))
    value = {"k": "x" * (MAX_JSON_OBJECT_BYTES - overhead)}
    assert normalise.json_object(value) == value


def test_json_object_over_16_kib_is_rejected() -> None:
    overhead = len(json.dumps({"k": ""}, separators=(",", ":")))
    with pytest.raises(ValueError, match="16 KiB"):
        normalise.json_object({"k": "x" * (MAX_JSON_OBJECT_BYTES - overhead + 1)})


def test_json_object_size_counts_utf8_bytes_not_characters() -> None:
    # 8 200 characters, but each "ä" is two bytes in UTF-8.
    with pytest.raises(ValueError, match="16 KiB"):
        normalise.json_object({"k": "ä" * 8_200})


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param([1, 2], id="array"),
        pytest.param("{}", id="string"),
        pytest.param(None, id="null"),
    ],
)
def test_json_object_must_be_an_object(raw: object) -> None:
    with pytest.raises(ValueError, match="must be an object"):
        normalise.json_object(raw)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param({"score": float("nan")}, id="nan"),
        pytest.param({"score": float("inf")}, id="infinity"),
        pytest.param({"when": datetime(2026, 3, 7, tzinfo=UTC)}, id="datetime"),
        pytest.param({"ids": {1, 2}}, id="set"),
    ],
)
def test_json_object_rejects_values_json_cannot_hold(raw: object) -> None:
    with pytest.raises(ValueError, match="only JSON values"):
        normalise.json_object(raw)
