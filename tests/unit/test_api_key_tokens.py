"""API key tokens: their format, parsing, and the stored form of a secret."""

from __future__ import annotations

import hashlib
import secrets

import pytest

from pauhu_crm_core.api_keys import SECRET_BYTES, format_token, hash_secret, parse_token

KEY_ID = "019573a2-5c00-7abc-8def-0123456789ab"
SECRET = secrets.token_urlsafe(SECRET_BYTES)


def test_a_formatted_token_parses_back_into_its_key_id_and_secret() -> None:
    assert parse_token(format_token(KEY_ID, SECRET)) == (KEY_ID, SECRET)


def test_a_token_is_pcrm_then_the_key_id_then_the_secret() -> None:
    assert format_token(KEY_ID, SECRET) == f"pcrm_{KEY_ID}_{SECRET}"


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param("_" * 43, id="all-underscores"),
        pytest.param("-_" + "a" * 41, id="leading-dash-underscore"),
        pytest.param("a" * 42 + "_", id="trailing-underscore"),
    ],
)
def test_underscores_in_the_secret_do_not_confuse_the_parser(secret: str) -> None:
    assert parse_token(format_token(KEY_ID, secret)) == (KEY_ID, secret)


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("", id="empty"),
        pytest.param(SECRET, id="secret-only"),
        pytest.param(f"pcrm_{KEY_ID}", id="no-secret"),
        pytest.param(f"pcrm_{KEY_ID}_", id="empty-secret"),
        pytest.param(f"pcrm_{KEY_ID}_{SECRET[:42]}", id="short-secret"),
        pytest.param(f"pcrm_{KEY_ID}_{'a' * 129}", id="overlong-secret"),
        pytest.param(f"pcrm_{KEY_ID}_{SECRET[:-1]}=", id="padding-in-secret"),
        pytest.param(f"pcrm_{KEY_ID}_{SECRET[:-1]}ä", id="non-ascii-secret"),
        pytest.param(f"pcrm_{KEY_ID.upper()}_{SECRET}", id="upper-case-id"),
        pytest.param(f"pcrm_comp-dvv_{SECRET}", id="id-not-a-uuid"),
        pytest.param(f"pcrm_{KEY_ID[:-1]}_{SECRET}", id="id-too-short"),
        pytest.param(f"PCRM_{KEY_ID}_{SECRET}", id="upper-case-prefix"),
        pytest.param(f"sk_{KEY_ID}_{SECRET}", id="other-prefix"),
        pytest.param(f"Bearer pcrm_{KEY_ID}_{SECRET}", id="with-scheme"),
        pytest.param(f" pcrm_{KEY_ID}_{SECRET}", id="leading-space"),
        pytest.param(f"pcrm_{KEY_ID}_{SECRET}\n", id="trailing-newline"),
        pytest.param(f"pcrm_{KEY_ID}_{SECRET} pcrm_{KEY_ID}_{SECRET}", id="two-tokens"),
    ],
)
def test_a_malformed_token_does_not_parse(token: str) -> None:
    assert parse_token(token) is None


def test_a_secret_is_stored_as_its_sha256_hex_digest() -> None:
    assert hash_secret(SECRET) == hashlib.sha256(SECRET.encode()).hexdigest()
    assert len(hash_secret(SECRET)) == 64


def test_different_secrets_hash_differently() -> None:
    assert hash_secret(SECRET) != hash_secret(secrets.token_urlsafe(SECRET_BYTES))


def test_a_new_secret_carries_at_least_256_random_bits() -> None:
    assert SECRET_BYTES >= 32
    assert parse_token(format_token(KEY_ID, secrets.token_urlsafe(SECRET_BYTES))) is not None
